using DocTable.Orleans.Tests.Embedded.Support;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>
/// OnConflict.Ignore and OnConflict.Replace are about uniqueness only: a row that violates a CHECK,
/// NOT NULL or FOREIGN KEY constraint rejects the whole batch with a typed error under every mode,
/// and is never skipped or silently changed.
/// </summary>
public sealed class OnConflictTests : IAsyncLifetime
{
    [Unique(nameof(Key), Name = "uq_key")]
    [Check("score >= 0", Name = "ck_score")]
    [ForeignKey(nameof(ParentId), nameof(Id), Name = "fk_parent")]
    public sealed class Item
    {
        [IdColumn] public long Id { get; set; }
        public string Key { get; set; } = "";
        public int Score { get; set; }
        [Column(Default = 7)] public int Level { get; set; }
        public long? ParentId { get; set; }
    }

    private static readonly string[] Columns = ["key", "score", "level", "parent_id"];
    private readonly TempStore _store = new();
    private Table<Item> _db = null!;
    private ITableGrain _grain = null!;

    public async Task InitializeAsync()
    {
        var client = await _store.StartAsync();
        _db = client.Table<Item>("items");
        _grain = client.GrainFactory.GetGrain<ITableGrain>("items");
        await _db.InsertManyAsync([new Item { Key = "a", Score = 1 }, new Item { Key = "b", Score = 2 }]);
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private async Task<TError> RejectedAsync<TError>(Func<Task> write) where TError : DocTableException
    {
        var before = _store.Snapshot("items");
        var error = await Assert.ThrowsAsync<TError>(write);
        Assert.Equal(before, _store.Snapshot("items"));
        return error;
    }

    [Theory]
    [InlineData(OnConflict.Fail)]
    [InlineData(OnConflict.Ignore)]
    [InlineData(OnConflict.Replace)]
    public async Task CheckViolation_RejectsTheBatch_UnderEveryMode(OnConflict mode)
    {
        var error = await RejectedAsync<ConstraintViolationException>(
            () => _db.InsertManyAsync([new Item { Key = "c", Score = 3 }, new Item { Key = "d", Score = -1 }, new Item { Key = "e", Score = 5 }], mode));
        Assert.Equal("ck_score", error.Constraint);
    }

    [Theory]
    [InlineData(OnConflict.Ignore)]
    [InlineData(OnConflict.Replace)]
    public async Task CheckViolation_OnARowThatAlsoConflicts_RejectsTheBatch(OnConflict mode)
    {
        var error = await RejectedAsync<ConstraintViolationException>(
            () => _db.InsertManyAsync([new Item { Key = "c", Score = 3 }, new Item { Key = "a", Score = -1 }], mode));
        Assert.Equal("ck_score", error.Constraint);
    }

    [Theory]
    [InlineData(OnConflict.Fail)]
    [InlineData(OnConflict.Ignore)]
    [InlineData(OnConflict.Replace)]
    public async Task NullInANotNullColumn_WithADefault_RejectsTheBatch_IsNeverReplacedByTheDefault(OnConflict mode)
    {
        await RejectedAsync<NullValueException>(
            () => _grain.InsertAsync(new RowBatch(Columns, [["c", 3L, 1L, null], ["d", 4L, null, null]]), new InsertOptions(mode)));
    }

    [Theory]
    [InlineData(OnConflict.Fail)]
    [InlineData(OnConflict.Ignore)]
    [InlineData(OnConflict.Replace)]
    public async Task ForeignKeyViolation_RejectsTheBatch_UnderEveryMode(OnConflict mode)
    {
        var error = await RejectedAsync<ConstraintViolationException>(
            () => _db.InsertManyAsync([new Item { Key = "c", Score = 3 }, new Item { Key = "d", Score = 4, ParentId = 999 }], mode));
        Assert.Equal("fk_parent", error.Constraint);
    }

    [Fact]
    public async Task Ignore_StillSkipsUniquenessConflicts_WithinTheTableAndTheBatch()
    {
        var ids = await _db.InsertManyAsync([new Item { Key = "a", Score = 10 }, new Item { Key = "c", Score = 3 }, new Item { Key = "c", Score = 4 }], OnConflict.Ignore);
        Assert.Equal(0, ids[0]);
        Assert.True(ids[1] > 0);
        Assert.Equal(0, ids[2]);
        Assert.Equal(new[] { ("a", 1), ("b", 2), ("c", 3) }, (await _db.SelectAsync()).Select(r => (r.Key, r.Score)));
    }

    [Fact]
    public async Task Replace_StillReplacesOnUniquenessConflicts_AndKeepsDefaultsForOmittedColumns()
    {
        var ids = await _grain.InsertAsync(new RowBatch(["key", "score"], [["a", 10L], ["c", 3L]]), new InsertOptions(OnConflict.Replace));
        Assert.Equal(2, ids.Affected);
        Assert.Equal(new[] { ("b", 2, 0), ("a", 10, 7), ("c", 3, 7) }, (await _db.SelectAsync()).Select(r => (r.Key, r.Score, r.Level)));
    }
}
