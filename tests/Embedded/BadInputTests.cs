using DocTable.Orleans.Client.Cli;
using DocTable.Orleans.Tests.Embedded.Support;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>
/// DESIGN.md §3.5: every kind of bad input gets its typed error and changes nothing (contents before
/// == after), and the table grain that refused it goes on serving good inserts.
/// </summary>
public sealed class BadInputTests : IAsyncLifetime
{
    private const string Table = "rows";
    private static readonly string[] Columns = ["process", "number"];

    private readonly TempStore _store = new();
    private DocTableClient _client = null!;
    private Table<SimpleRow> _db = null!;
    private ITableGrain _grain = null!;
    private int _good;

    public async Task InitializeAsync()
    {
        _client = await _store.StartAsync();
        _db = _client.Table<SimpleRow>(Table);
        _grain = _client.GrainFactory.GetGrain<ITableGrain>(Table);
        await _db.InsertManyAsync(Enumerable.Range(0, 5).Select(i => new SimpleRow { Process = "seed", Number = i }));
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    /// <summary>Runs <paramref name="bad"/>, expects <typeparamref name="TError"/>, checks nothing changed and the grain still inserts.</summary>
    private async Task<TError> RejectedAsync<TError>(Func<Task> bad) where TError : DocTableException
    {
        var before = _store.Snapshot(Table);
        var error = await Assert.ThrowsAsync<TError>(bad);
        Assert.Equal(before, _store.Snapshot(Table));

        var id = await _db.InsertAsync(new SimpleRow { Process = "good", Number = 1000 + _good++ });
        Assert.Equal(before.Count + 1, _store.Snapshot(Table).Count);
        Assert.Equal(id, (await _db.FirstAsync(_db["id"] == id))!.Id);
        return error;
    }

    private async Task InsertRawAsync(string[] columns, params object?[][] rows)
    {
        await _grain.InsertAsync(new RowBatch(columns, [.. rows]), InsertOptions.Default);
    }

    [Fact]
    public async Task UnknownTable_WithoutASchema_IsTyped_AndCreatesNoFile()
    {
        var missing = _client.GrainFactory.GetGrain<ITableGrain>("missing");
        var error = await Assert.ThrowsAsync<UnknownTableException>(() => missing.OpenAsync(null));
        Assert.Contains("'missing'", error.Message);
        await Assert.ThrowsAsync<UnknownTableException>(() => missing.CountAsync(null));
        await Assert.ThrowsAsync<UnknownTableException>(() => missing.SelectAsync(new SelectQuery()));
        await Assert.ThrowsAsync<UnknownTableException>(() => missing.InsertAsync(new RowBatch(Columns, [["x", 1L]]), InsertOptions.Default));
        await Assert.ThrowsAsync<UnknownTableException>(() => missing.DeleteAsync(null, allRows: true));
        Assert.False(File.Exists(_store.TablePath("missing")));
        Assert.Equal([_store.TablePath(Table)], Directory.GetFiles(_store.DataDir, "*.db"));
    }

    [Fact]
    public async Task UnknownColumn_InAFilter_IsTyped()
    {
        var error = await RejectedAsync<UnknownColumnException>(() => _db.CountAsync(_db["nope"] == 1));
        Assert.Contains("'nope'", error.Message);
        await RejectedAsync<UnknownColumnException>(() => _db.SelectAsync(_db["number"] > 1 & _db["nope"].IsNull()));
    }

    [Fact]
    public async Task UnknownColumn_InOrderByOrSelectedColumns_IsTyped()
    {
        await RejectedAsync<UnknownColumnException>(() => _db.SelectAsync(orderBy: [OrderBy.Desc("nope")]));
        await RejectedAsync<UnknownColumnException>(() => _db.SelectRawAsync(new SelectQuery(["number", "nope"])));
    }

    [Fact]
    public async Task UnknownColumn_InAnUpdateOrDelete_IsTyped()
    {
        await RejectedAsync<UnknownColumnException>(() => _db.UpdateAsync(new Dictionary<string, object?> { ["nope"] = 1 }, _db["number"] == 1));
        await RejectedAsync<UnknownColumnException>(() => _db.UpdateAsync(new Dictionary<string, object?> { ["number"] = 1 }, _db["nope"] == 1));
        await RejectedAsync<UnknownColumnException>(() => _db.DeleteAsync(_db["nope"] == 1));
    }

    [Fact]
    public async Task UnknownColumn_InARawBatch_IsTyped()
    {
        var error = await RejectedAsync<UnknownColumnException>(() => InsertRawAsync(["process", "nope"], ["x", 1L]));
        Assert.Contains("'nope'", error.Message);
    }

    [Fact]
    public async Task WrongType_InARawBatchOrUpdate_IsTyped()
    {
        var error = await RejectedAsync<ColumnTypeException>(() => InsertRawAsync(Columns, ["ok", 1L], ["x", "not a number"]));
        Assert.Contains("'number'", error.Message);
        await RejectedAsync<ColumnTypeException>(() => InsertRawAsync(Columns, ["x", 1.5]));
        await RejectedAsync<ColumnTypeException>(() => InsertRawAsync(Columns, ["x", long.MaxValue]));
        await RejectedAsync<ColumnTypeException>(() => InsertRawAsync(Columns, [new byte[] { 1 }, 1L]));
        await RejectedAsync<ColumnTypeException>(() => InsertRawAsync(Columns, ["x", Guid.NewGuid()]));
        await RejectedAsync<ColumnTypeException>(() => _grain.UpdateAsync(new Dictionary<string, object?> { ["number"] = "x" }, Col.Of("number") == 1, false));
        await RejectedAsync<ColumnTypeException>(() => _db.UpdateAsync(new Dictionary<string, object?> { ["number"] = "x" }, _db["number"] == 1));
    }

    [Fact]
    public async Task MalformedJsonOrDateTime_InARawBatch_IsTyped_AndTheTypedTableStaysReadable()
    {
        var typed = _client.Table<AllTypesRow>("typed");
        await typed.InsertAsync(new AllTypesRow { Text = "ok", Json = new Payload("ok", [1]) });
        var grain = _client.GrainFactory.GetGrain<ITableGrain>("typed");
        var columns = RowMapper<AllTypesRow>.Instance.WritableColumns;
        object?[] RowWith(string column, object? value)
        {
            var row = RowMapper<AllTypesRow>.Instance.ToStorageRow(new AllTypesRow { Json = new Payload("x", []) });
            row[Array.IndexOf(columns, column)] = value;
            return row;
        }
        var before = _store.Snapshot("typed");

        var error = await Assert.ThrowsAsync<ColumnTypeException>(() => grain.InsertAsync(new RowBatch(columns, [RowWith("json", "{not json")]), InsertOptions.Default));
        Assert.Contains("'json'", error.Message);
        await Assert.ThrowsAsync<ColumnTypeException>(() => grain.InsertAsync(new RowBatch(columns, [RowWith("when", "yesterday")]), InsertOptions.Default));
        await Assert.ThrowsAsync<ColumnTypeException>(() => grain.InsertAsync(new RowBatch(columns, [RowWith("when", "2024-13-45 99:99:99.999999")]), InsertOptions.Default));

        Assert.Equal(before, _store.Snapshot("typed"));
        Assert.Equal("ok", Assert.Single(await typed.SelectAsync()).Json.Name);
    }

    [Fact]
    public async Task Null_InANotNullColumn_IsTyped()
    {
        var error = await RejectedAsync<NullValueException>(() => InsertRawAsync(Columns, ["a", 1L], ["b", null]));
        Assert.Contains("'number'", error.Message);
        await RejectedAsync<NullValueException>(() => InsertRawAsync(["process"], ["only process"]));
        await RejectedAsync<NullValueException>(() => _db.UpdateAsync(new Dictionary<string, object?> { ["number"] = null }, _db["number"] == 1));
    }

    [Fact]
    public async Task UniqueViolation_InsideAMultiRowBatch_RejectsTheWholeBatch()
    {
        var keyed = _client.Table<KeyedRow>("keyed");
        await keyed.InsertAsync(new KeyedRow { Key = "taken" });
        var before = _store.Snapshot("keyed");

        await Assert.ThrowsAsync<ConstraintViolationException>(() => keyed.InsertManyAsync(
            [new() { Key = "new1" }, new() { Key = "new2" }, new() { Key = "taken" }, new() { Key = "new3" }]));
        Assert.Equal(before, _store.Snapshot("keyed"));
        await Assert.ThrowsAsync<ConstraintViolationException>(() => keyed.InsertManyAsync([new() { Key = "twin" }, new() { Key = "twin" }]));
        Assert.Equal(before, _store.Snapshot("keyed"));
        Assert.Equal(0, await keyed.CountAsync(keyed["key"].In("new1", "new2", "new3", "twin")));

        // The rejected batches consumed no ids: the next rows get 2 and 3.
        Assert.Equal(new long[] { 2, 3 }, await keyed.InsertManyAsync([new() { Key = "new1" }, new() { Key = "new2" }]));
        Assert.Equal(3, await keyed.CountAsync());
    }

    [Fact]
    public async Task UniqueViolation_OfASingleRowInsideAGroupCommit_DoesNotTouchTheOtherCallersRows()
    {
        var keyed = _client.Table<KeyedRow>("keyed");
        await keyed.InsertAsync(new KeyedRow { Key = "taken" });
        var inserts = Enumerable.Range(0, 50).Select(i => keyed.InsertAsync(new KeyedRow { Key = i % 10 == 5 ? "taken" : "k" + i })).ToArray();
        foreach (var (task, i) in inserts.Select((t, i) => (t, i)))
        {
            if (i % 10 == 5) await Assert.ThrowsAsync<ConstraintViolationException>(() => task);
            else await task;
        }
        Assert.Equal(1 + 45, await keyed.CountAsync());
    }

    [Fact]
    public async Task MalformedRow_WrongWidthOrNull_IsTyped()
    {
        var error = await RejectedAsync<MalformedMessageException>(() => InsertRawAsync(Columns, ["a", 1L], ["only one"]));
        Assert.Contains("Row 1", error.Message);
        await RejectedAsync<MalformedMessageException>(() => InsertRawAsync(Columns, ["a", 1L, "extra"]));
        await RejectedAsync<MalformedMessageException>(() => InsertRawAsync(Columns, ["a", 1L], null!));
    }

    [Fact]
    public async Task IllegalTableName_IsTyped_AndCreatesNoFile()
    {
        Assert.Throws<InvalidIdentifierException>(() => _client.Table<SimpleRow>("x; drop"));
        Assert.Throws<InvalidIdentifierException>(() => _client.Table<SimpleRow>(""));
        // An empty key is refused by Orleans itself before any grain sees it; the others reach the table grain.
        foreach (var name in new[] { "x; drop", "sqlite_master", "__doctable_schema", "9lives", new string('a', 65) })
        {
            var grain = _client.GrainFactory.GetGrain<ITableGrain>(name);
            await Assert.ThrowsAsync<InvalidIdentifierException>(() => grain.OpenAsync(_db.Schema)).WaitAsync(Wait.Long);
            await Assert.ThrowsAsync<InvalidIdentifierException>(() => grain.CountAsync(null)).WaitAsync(Wait.Long);
        }
        Assert.All(Directory.GetFiles(_store.DataDir), f => Assert.StartsWith(Table + ".db", Path.GetFileName(f)));
        await RejectedAsync<InvalidIdentifierException>(() => Task.Run(() => _client.Table<SimpleRow>("a-b")));
    }

    [Fact]
    public async Task IllegalTableName_CalledConcurrently_FailsEveryCallerPromptly()
    {
        var grain = _client.GrainFactory.GetGrain<ITableGrain>("bad name");
        var calls = Enumerable.Range(0, 20).Select(_ => Task.Run(() => grain.CountAsync(null))).ToArray();
        foreach (var call in calls)
            await Assert.ThrowsAsync<InvalidIdentifierException>(() => call.WaitAsync(Wait.Long));
        Assert.Empty(Directory.GetFiles(_store.DataDir, "bad*"));
    }

    [Fact]
    public async Task EmptyBatch_WritesNothing_AndReturnsNoIds()
    {
        var before = _store.Snapshot(Table);
        Assert.Empty(await _db.InsertManyAsync([]));
        Assert.Equal(before, _store.Snapshot(Table));
    }

    public sealed class BadColumnName
    {
        [Column(Name = "bad name")] public int Value { get; set; }
    }

    [Fact]
    public async Task IllegalColumnNames_AreTyped()
    {
        await RejectedAsync<InvalidIdentifierException>(() => _db.CountAsync(_db["number; drop table rows"] == 1));
        await RejectedAsync<InvalidIdentifierException>(() => InsertRawAsync(["process", "number\"; --"], ["a", 1L]));
        await RejectedAsync<InvalidIdentifierException>(() => _db.SelectRawAsync(new SelectQuery(["*"])));
        await RejectedAsync<InvalidIdentifierException>(() => _db.SelectAsync(orderBy: [OrderBy.Asc("number desc")]));
        await RejectedAsync<InvalidIdentifierException>(() => _db.UpdateAsync(new Dictionary<string, object?> { ["number = 0 --"] = 1 }, _db["number"] == 1));
        await Assert.ThrowsAsync<InvalidIdentifierException>(() => Task.Run(() => _client.Table<BadColumnName>("bad")));
        Assert.False(File.Exists(_store.TablePath("bad")));
    }

    [Fact]
    public async Task DeleteOrUpdateOfEveryRow_WithoutTheFlag_IsRefused()
    {
        var error = await RejectedAsync<InvalidQueryException>(() => _db.DeleteAsync());
        Assert.Contains("allRows", error.Message);
        await RejectedAsync<InvalidQueryException>(() => _db.UpdateAsync(new Dictionary<string, object?> { ["number"] = 0 }));
        await RejectedAsync<InvalidQueryException>(() => _grain.DeleteAsync(null, false));
        await RejectedAsync<InvalidQueryException>(() => _db.DeleteAsync(_db["number"] == 1, allRows: true));
        await RejectedAsync<InvalidQueryException>(() => _db.UpdateAsync(new Dictionary<string, object?>(), _db["number"] == 1));

        Assert.Equal(_store.Snapshot(Table).Count, await _db.DeleteAsync(allRows: true));
        Assert.Equal(0, await _db.CountAsync());
    }

    [Fact]
    public async Task WritingAManagedColumn_IsRefused()
    {
        await RejectedAsync<InvalidQueryException>(() => InsertRawAsync(["id", "process", "number"], [99L, "a", 1L]));
        await RejectedAsync<InvalidQueryException>(() => InsertRawAsync(["process", "number", "number"], ["a", 1L, 2L]));
    }

    [Fact]
    public async Task ManyBadBatchesInARow_LeaveTheGrainServing()
    {
        for (var i = 0; i < 20; i++)
        {
            await RejectedAsync<ColumnTypeException>(() => InsertRawAsync(Columns, ["a", 1L], ["b", "x"]));
            await RejectedAsync<NullValueException>(() => InsertRawAsync(Columns, ["a", null]));
        }
        Assert.Equal(5 + 40, await _db.CountAsync());
    }
}
