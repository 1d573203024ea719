using Xunit;

namespace DocTable.Orleans.Tests.Parity;

public sealed class ReadOnlyTests
{
    private sealed class Wider
    {
        [IdColumn] public long Id { get; set; }
        public int Number { get; set; }
        public string? Extra { get; set; }
    }

    private sealed class WrongType
    {
        public string? Number { get; set; }
    }

    [Fact]
    public async Task ReadOnlyTableRefusesEveryWriteAndServesReads()
    {
        await using var store = await TempStore.CreateAsync();
        var writable = store.Client.Table<Sample>("ro");
        await writable.InsertManyAsync([new Sample { Number = 1, Process = "AB" }, new Sample { Number = 2 }]);

        var table = store.Client.Table<Sample>("ro", readOnly: true);
        Assert.True(table.IsReadOnly);
        var e = await Assert.ThrowsAsync<ReadOnlyTableException>(() => table.InsertAsync(new Sample { Number = 3 }));
        Assert.Contains("'ro'", e.Message);
        Assert.Contains("insert", e.Message);
        await Assert.ThrowsAsync<ReadOnlyTableException>(() => table.InsertManyAsync([new Sample()]));
        await Assert.ThrowsAsync<ReadOnlyTableException>(() => table.UpdateAsync(new Dictionary<string, object?> { ["number"] = 9 }, allRows: true));
        await Assert.ThrowsAsync<ReadOnlyTableException>(() => table.DeleteAsync(Col.Of("number") == 1));
        Assert.Throws<ReadOnlyTableException>(() => table.GetQueueInserter(chunkSize: 2));

        Assert.Equal(2, await table.CountAsync());
        Assert.Equal([1, 2], (await table.SelectAsync()).Select(r => r.Number));
        Assert.Equal("AB", (await table.Where(r => r.Number == 1).FirstAsync())!.Process);
        Assert.Equal(3, await table.Query().SumAsync(r => r.Number));
        Assert.Equal(2, await writable.CountAsync());
    }

    [Fact]
    public async Task ReadOnlyNeverCreatesOrMigrates()
    {
        await using var store = await TempStore.CreateAsync();
        await Assert.ThrowsAsync<UnknownTableException>(() => store.Client.Table<Sample>("missing", readOnly: true).CountAsync());
        Assert.False(File.Exists(Path.Combine(store.Directory, "missing.db")));

        await store.Client.Table<Sample>("t").InsertAsync(new Sample { Number = 5 });
        var wider = await Assert.ThrowsAsync<SchemaMismatchException>(() => store.Client.Table<Wider>("t", readOnly: true).CountAsync());
        Assert.Contains("'extra'", wider.Message);
        var wrong = await Assert.ThrowsAsync<SchemaMismatchException>(() => store.Client.Table<WrongType>("t", readOnly: true).CountAsync());
        Assert.Contains("'number'", wrong.Message);
        var schema = await store.Client.Table<Sample>("t", readOnly: true).OpenAsync();
        Assert.Null(schema.Find("extra"));
    }
}
