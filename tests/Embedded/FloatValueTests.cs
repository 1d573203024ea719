using DocTable.Orleans.Tests.Embedded.Support;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>
/// SQLite cannot store NaN as a REAL (it becomes NULL), so NaN is refused with an error that says
/// NaN and names the column, whatever the column's nullability or the conflict mode; ±Infinity is
/// stored and read back as it is.
/// </summary>
public sealed class FloatValueTests : IAsyncLifetime
{
    public sealed class Reading
    {
        [IdColumn] public long Id { get; set; }
        public double Value { get; set; }
        public double? Maybe { get; set; }
        public float Single { get; set; }
    }

    private readonly TempStore _store = new();
    private Table<Reading> _db = null!;

    public async Task InitializeAsync()
    {
        _db = (await _store.StartAsync()).Table<Reading>("readings");
        await _db.InsertAsync(new Reading { Value = 1.5, Maybe = 2.5, Single = 3.5f });
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private async Task<ColumnTypeException> RefusedAsync(Func<Task> write, string column)
    {
        var before = _store.Snapshot("readings");
        var error = await Assert.ThrowsAsync<ColumnTypeException>(write);
        Assert.Contains("NaN", error.Message);
        Assert.Contains($"'{column}'", error.Message);
        Assert.Equal(before, _store.Snapshot("readings"));
        return error;
    }

    [Fact]
    public async Task NaN_IsRefused_InNullableAndNonNullColumns_AndInUpdates_NeverStoredAsNull()
    {
        await RefusedAsync(() => _db.InsertAsync(new Reading { Value = 1, Maybe = double.NaN }), "maybe");
        await RefusedAsync(() => _db.InsertAsync(new Reading { Value = double.NaN }), "value");
        await RefusedAsync(() => _db.InsertAsync(new Reading { Value = 1, Single = float.NaN }), "single");
        await RefusedAsync(() => _db.InsertManyAsync([new Reading { Value = 2 }, new Reading { Value = double.NaN }]), "value");
        await RefusedAsync(() => _db.InsertManyAsync([new Reading { Value = 2 }, new Reading { Value = double.NaN }], OnConflict.Ignore), "value");
        await RefusedAsync(() => _db.InsertManyAsync([new Reading { Value = 2, Maybe = double.NaN }], OnConflict.Replace), "maybe");
        await RefusedAsync(() => _db.UpdateAsync(new Dictionary<string, object?> { ["maybe"] = double.NaN }, allRows: true), "maybe");
        await RefusedAsync(() => _db.UpdateAsync(new Dictionary<string, object?> { ["value"] = double.NaN }, allRows: true), "value");

        Assert.Equal(0, await _db.CountAsync(_db["maybe"].IsNull()));
        Assert.Equal(2, (await _db.InsertManyAsync([new Reading { Value = 4 }, new Reading { Value = 5 }])).Length);
    }

    [Fact]
    public async Task Infinities_AreStoredAndReadBackAsTheyAre()
    {
        var ids = await _db.InsertManyAsync([
            new Reading { Value = double.PositiveInfinity, Maybe = double.NegativeInfinity, Single = float.PositiveInfinity },
            new Reading { Value = double.NegativeInfinity, Maybe = double.PositiveInfinity, Single = float.NegativeInfinity },
        ]);
        var rows = await _db.SelectAsync(new InFilter("id", [ids[0], ids[1]]));
        Assert.Equal([double.PositiveInfinity, double.NegativeInfinity], rows.Select(r => r.Value));
        Assert.Equal([double.NegativeInfinity, double.PositiveInfinity], rows.Select(r => r.Maybe));
        Assert.Equal([float.PositiveInfinity, float.NegativeInfinity], rows.Select(r => r.Single));
        Assert.Equal(ids[0], (await _db.FirstAsync(_db["value"] > double.MaxValue))!.Id);
        Assert.Equal(double.PositiveInfinity, await _db.Query().MaxAsync(r => r.Value));

        await _db.UpdateAsync(new Dictionary<string, object?> { ["maybe"] = double.PositiveInfinity }, _db["id"] == ids[0]);
        Assert.Equal(double.PositiveInfinity, (await _db.FirstAsync(_db["id"] == ids[0]))!.Maybe);
    }
}
