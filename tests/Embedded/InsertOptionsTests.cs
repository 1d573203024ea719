using DocTable.Orleans.Tests.Embedded.Support;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>Conflict handling and the per-producer sequence that makes a redelivered batch harmless.</summary>
public sealed class InsertOptionsTests
{
    private const string Table = "keyed";
    private static readonly string[] Columns = ["key", "score"];

    [Fact]
    public async Task OnConflictIgnore_SkipsTheConflictingRows_AndReportsIdZeroForThem()
    {
        await using var store = new TempStore();
        var db = (await store.StartAsync()).Table<KeyedRow>(Table);
        await db.InsertAsync(new KeyedRow { Key = "a", Score = 1 });

        var ids = await db.InsertManyAsync([new() { Key = "b", Score = 2 }, new() { Key = "a", Score = 3 }, new() { Key = "c", Score = 4 }], OnConflict.Ignore);

        Assert.Equal(0, ids[1]);
        Assert.True(ids[0] > 0 && ids[2] > ids[0]);
        Assert.Equal(new[] { ("a", 1), ("b", 2), ("c", 4) }, (await db.SelectAsync()).Select(r => (r.Key, r.Score)));
    }

    [Fact]
    public async Task OnConflictReplace_ReplacesTheExistingRow()
    {
        await using var store = new TempStore();
        var db = (await store.StartAsync()).Table<KeyedRow>(Table);
        var first = await db.InsertAsync(new KeyedRow { Key = "a", Score = 1 });

        var ids = await db.InsertManyAsync([new() { Key = "a", Score = 9 }], OnConflict.Replace);

        var row = Assert.Single(await db.SelectAsync());
        Assert.Equal(("a", 9, ids[0]), (row.Key, row.Score, row.Id));
        Assert.NotEqual(first, ids[0]);
    }

    [Fact]
    public async Task ProducerSequence_SkipsARedeliveredBatch_EvenAfterReopen()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        await client.Table<KeyedRow>(Table).OpenAsync();
        var grain = client.GrainFactory.GetGrain<ITableGrain>(Table);

        async Task<WriteResult> Send(ITableGrain g, long sequence, params string[] keys)
        {
            return await g.InsertAsync(new RowBatch(Columns, keys.Select(k => new object?[] { k, 1L }).ToList()), new InsertOptions(ProducerId: "prod-1", Sequence: sequence));
        }

        Assert.False((await Send(grain, 1, "a", "b")).Duplicate);
        var again = await Send(grain, 1, "a", "b");
        Assert.True(again.Duplicate);
        Assert.Equal(0, again.Affected);
        Assert.Equal(2, (await Send(grain, 2, "c", "d")).Affected);
        await client.DisposeAsync();

        var reopened = await store.StartAsync();
        var grain2 = reopened.GrainFactory.GetGrain<ITableGrain>(Table);
        Assert.True((await Send(grain2, 2, "c", "d")).Duplicate);
        Assert.True((await Send(grain2, 1, "x")).Duplicate);
        Assert.Equal(4, await grain2.CountAsync(null));
    }

    /// <summary>
    /// Two silos on one data directory (as two DocTable processes on one folder): each has its own table
    /// grain and connection to the file. Whether a batch is a duplicate is read from the file, so a
    /// batch the other silo stored is recognised, and one it did not store is not mistaken for one.
    /// </summary>
    [Fact]
    public async Task ProducerSequences_AreReadFromTheFile_NotFromWhatThisSiloRemembers()
    {
        await using var store = new TempStore();
        var a = (await store.StartAsync()).GrainFactory.GetGrain<ITableGrain>(Table);
        var b = (await store.StartAsync()).GrainFactory.GetGrain<ITableGrain>(Table);
        await a.OpenAsync(RowMapper<KeyedRow>.Instance.Schema);
        Task<WriteResult> Send(ITableGrain g, long sequence, string key)
            => g.InsertAsync(new RowBatch(Columns, [[key, 1L]]), new InsertOptions(ProducerId: "shared", Sequence: sequence));

        Assert.False((await Send(a, 1, "a1")).Duplicate);
        Assert.False((await Send(a, 3, "a3")).Duplicate);   // 2 is still missing
        Assert.True((await Send(b, 1, "b1")).Duplicate);    // b never saw 1, but the file holds it
        Assert.True((await Send(b, 3, "b3")).Duplicate);
        Assert.False((await Send(b, 2, "b2")).Duplicate);   // the gap is filled by the other silo
        Assert.True((await Send(a, 2, "a2")).Duplicate);    // and a learns it from the file
        var progress = await a.GetProducerProgressAsync("shared");
        Assert.Equal(3, progress.Contiguous);
        Assert.Empty(progress.Above);
        Assert.Equal(["a1", "a3", "b2"], store.Query(Table, $"SELECT key FROM {Table} ORDER BY id").Select(r => (string)r[0]!));
    }

    [Fact]
    public async Task ARejectedBatch_DoesNotAdvanceTheProducerSequence()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        await client.Table<KeyedRow>(Table).OpenAsync();
        var grain = client.GrainFactory.GetGrain<ITableGrain>(Table);
        var options = new InsertOptions(ProducerId: "prod-2", Sequence: 1);

        await Assert.ThrowsAsync<ConstraintViolationException>(() =>
            grain.InsertAsync(new RowBatch(Columns, [["same", 1L], ["same", 2L]]), options));
        var retry = await grain.InsertAsync(new RowBatch(Columns, [["same", 1L], ["other", 2L]]), options);

        Assert.False(retry.Duplicate);
        Assert.Equal(2, await grain.CountAsync(null));
    }
}
