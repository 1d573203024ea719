using Xunit;

namespace DocTable.Orleans.Tests.Storage;

/// <summary>
/// The table grain's prepared INSERT binds values straight to SQLite: every storage type must round-trip,
/// and constraint errors must still be typed and leave the batch unwritten.
/// </summary>
public sealed class InsertStatementTests : IAsyncLifetime
{
    public sealed class Item
    {
        [IdColumn] public long Id { get; set; }
        [AddedColumn] public DateTime Added { get; set; }
        [Column(Unique = true)] public string Code { get; set; } = "";
        public string? Note { get; set; }
        public double Weight { get; set; }
        public long Big { get; set; }
        public byte[]? Payload { get; set; }
        public bool Flag { get; set; }
    }

    private readonly string _dir = Directory.CreateTempSubdirectory("doctable-insert-").FullName;
    private DocTableClient _client = null!;

    public async Task InitializeAsync() => _client = await DocTableClient.StartEmbeddedAsync(_dir);

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task EveryStorageTypeRoundTrips()
    {
        var table = _client.Table<Item>("items");
        var longText = new string('é', 5000) + "✓";
        var item = new Item { Code = "ä-1", Note = longText, Weight = 2.5, Big = long.MaxValue, Payload = [0, 1, 255], Flag = true };
        var id = await table.InsertAsync(item);
        await table.InsertAsync(new Item { Code = "b", Note = null, Payload = null });

        var rows = await table.SelectAsync();
        Assert.Equal(2, rows.Count);
        var back = rows[0];
        Assert.Equal(id, back.Id);
        Assert.Equal("ä-1", back.Code);
        Assert.Equal(longText, back.Note);
        Assert.Equal(2.5, back.Weight);
        Assert.Equal(long.MaxValue, back.Big);
        Assert.Equal(new byte[] { 0, 1, 255 }, back.Payload);
        Assert.True(back.Flag);
        Assert.True(back.Added > DateTime.UtcNow.AddMinutes(-5));
        Assert.Null(rows[1].Note);
        Assert.Null(rows[1].Payload);
    }

    [Fact]
    public async Task AUniqueViolationIsTypedAndRejectsTheWholeBatch()
    {
        var table = _client.Table<Item>("items");
        await table.InsertAsync(new Item { Code = "x" });

        var error = await Assert.ThrowsAsync<ConstraintViolationException>(
            () => table.InsertManyAsync([new Item { Code = "y" }, new Item { Code = "x" }]));
        Assert.Contains("UNIQUE", error.Message);
        Assert.Equal(1, await table.CountAsync());

        var ids = await table.InsertManyAsync([new Item { Code = "x" }, new Item { Code = "z" }], OnConflict.Ignore);
        Assert.Equal(0, ids[0]);
        Assert.NotEqual(0, ids[1]);
        Assert.Equal(2, await table.CountAsync());

        await table.InsertManyAsync([new Item { Code = "z", Weight = 7 }], OnConflict.Replace);
        Assert.Equal(7, (await table.FirstAsync(Col.Of("code") == "z"))!.Weight);
        Assert.Equal(2, await table.CountAsync());
    }
}
