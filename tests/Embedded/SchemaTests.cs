using DocTable.Orleans.Tests.Embedded.Support;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>Schemas from C# types: every column type round-trips; managed columns; default, unique, index; reopening checks and migrates.</summary>
public sealed class SchemaTests
{
    public sealed class ShapeV1
    {
        [IdColumn] public long Id { get; set; }
        public int Number { get; set; }
    }

    public sealed class ShapeWrongType
    {
        [IdColumn] public long Id { get; set; }
        public string Number { get; set; } = "";
    }

    public sealed class ShapeWithNote
    {
        [IdColumn] public long Id { get; set; }
        public int Number { get; set; }
        public string? Note { get; set; }
    }

    public sealed class ShapeWithRequired
    {
        [IdColumn] public long Id { get; set; }
        public int Number { get; set; }
        public int Required { get; set; }
    }

    private static readonly DateTime When = new(2024, 2, 29, 23, 59, 58, DateTimeKind.Utc);

    private static AllTypesRow Full() => new()
    {
        Int = int.MinValue,
        Long = long.MaxValue,
        Double = -1.5e-300,
        Bool = true,
        Text = "héllo 'quoted' \"text\"",
        When = When.AddTicks(1234560),
        Bytes = [0, 1, 2, 255, 0],
        Json = new Payload("p", [1, 2, 3]),
        NInt = 7,
        NLong = -8,
        NDouble = 0.25,
        NBool = false,
        NText = "",
        NWhen = When,
        NBytes = [],
        NJson = new Payload("q", []),
    };

    [Fact]
    public async Task EveryColumnType_RoundTrips_IncludingNulls()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var db = client.Table<AllTypesRow>("all_types");
        var full = Full();
        var empty = new AllTypesRow { Bool = false, Text = "", When = DateTime.MinValue.ToUniversalTime(), Json = new Payload("", []) };
        var ids = await db.InsertManyAsync([full, empty]);

        var rows = await db.SelectAsync();
        Assert.Equal(ids, rows.Select(r => r.Id));
        AssertSame(full, rows[0]);
        AssertSame(empty, rows[1]);
        Assert.Null(rows[1].NInt);
        Assert.Null(rows[1].NText);
        Assert.Null(rows[1].NJson);
        Assert.Null(rows[1].NBytes);
        Assert.Equal(DateTimeKind.Utc, rows[0].When.Kind);

        var stored = store.Query("all_types", "SELECT typeof(int), typeof(double), typeof(bool), typeof(text), typeof(\"when\"), typeof(bytes), typeof(json), typeof(n_int) FROM all_types ORDER BY id");
        Assert.Equal(new object?[] { "integer", "real", "integer", "text", "text", "blob", "text", "integer" }, stored[0]);
        Assert.Equal("null", store.Query("all_types", "SELECT typeof(n_int) FROM all_types WHERE id = " + ids[1])[0][0]);
    }

    private static void AssertSame(AllTypesRow expected, AllTypesRow actual)
    {
        Assert.Equal(expected.Int, actual.Int);
        Assert.Equal(expected.Long, actual.Long);
        Assert.Equal(expected.Double, actual.Double);
        Assert.Equal(expected.Bool, actual.Bool);
        Assert.Equal(expected.Text, actual.Text);
        Assert.Equal(expected.When, actual.When);
        Assert.Equal(expected.Bytes, actual.Bytes);
        Assert.Equal(expected.Json.Name, actual.Json.Name);
        Assert.Equal(expected.Json.Values, actual.Json.Values);
        Assert.Equal(expected.NInt, actual.NInt);
        Assert.Equal(expected.NLong, actual.NLong);
        Assert.Equal(expected.NDouble, actual.NDouble);
        Assert.Equal(expected.NBool, actual.NBool);
        Assert.Equal(expected.NText, actual.NText);
        Assert.Equal(expected.NWhen, actual.NWhen);
        Assert.Equal(expected.NBytes, actual.NBytes);
        Assert.Equal(expected.NJson?.Name, actual.NJson?.Name);
        Assert.Equal(expected.NJson?.Values, actual.NJson?.Values);
    }

    [Fact]
    public async Task Id_IsAutoincrement_AndNeverReused()
    {
        await using var store = new TempStore();
        var db = (await store.StartAsync()).Table<ShapeV1>("ids");
        Assert.Equal(new long[] { 1, 2, 3 }, await db.InsertManyAsync([new() { Number = 1 }, new() { Number = 2 }, new() { Number = 3 }]));
        Assert.Equal(1, await db.DeleteAsync(db["id"] == 3));
        Assert.Equal(4, await db.InsertAsync(new ShapeV1 { Number = 4 }));
        Assert.Contains("AUTOINCREMENT", (string)store.Query("ids", "SELECT sql FROM sqlite_master WHERE name = 'ids'")[0][0]!);
    }

    [Fact]
    public async Task Added_IsSetOnInsertOnly_Updated_ChangesOnEveryUpdate()
    {
        await using var store = new TempStore();
        var db = (await store.StartAsync()).Table<AllTypesRow>("stamps");
        var before = DateTime.UtcNow.AddSeconds(-1);
        var id = await db.InsertAsync(Full());
        var inserted = (await db.FirstAsync(db["id"] == id))!;
        Assert.InRange(inserted.Added, before, DateTime.UtcNow.AddSeconds(1));
        Assert.Equal(inserted.Added, inserted.Updated);

        await Wait.UntilAsync(() => DateTime.UtcNow > inserted.Updated.AddMilliseconds(2), "the clock moved on");
        Assert.Equal(1, await db.UpdateAsync(new Dictionary<string, object?> { ["Int"] = 5 }, db["id"] == id));
        var updated = (await db.FirstAsync(db["id"] == id))!;

        Assert.Equal(5, updated.Int);
        Assert.Equal(inserted.Added, updated.Added);
        Assert.True(updated.Updated > inserted.Updated, $"updated {updated.Updated:O} should be after {inserted.Updated:O}");
        await Assert.ThrowsAsync<InvalidQueryException>(() => db.UpdateAsync(new Dictionary<string, object?> { ["added"] = DateTime.UtcNow }, db["id"] == id));
        Assert.Equal(inserted.Added, (await db.FirstAsync(db["id"] == id))!.Added);
    }

    [Fact]
    public async Task Default_AppliesWhenAnInsertOmitsTheColumn()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var db = client.Table<KeyedRow>("keyed");
        await db.OpenAsync();
        var grain = client.GrainFactory.GetGrain<ITableGrain>("keyed");
        var result = await grain.InsertAsync(new RowBatch(["key", "score"], [["k", 1L]]), InsertOptions.Default);

        Assert.Equal("none", (await db.FirstAsync(db["id"] == result.Ids[0]))!.Tag);
        Assert.Contains("DEFAULT 'none'", (string)store.Query("keyed", "SELECT sql FROM sqlite_master WHERE name = 'keyed'")[0][0]!);
    }

    [Fact]
    public async Task Unique_ViolationIsTyped_AndLeavesTheTableUnchanged()
    {
        await using var store = new TempStore();
        var db = (await store.StartAsync()).Table<KeyedRow>("keyed");
        await db.InsertManyAsync([new() { Key = "a", Score = 1 }, new() { Key = "b", Score = 2 }]);
        var before = store.Snapshot("keyed");

        var error = await Assert.ThrowsAsync<ConstraintViolationException>(() => db.InsertAsync(new KeyedRow { Key = "a", Score = 3 }));
        Assert.Contains("key", error.Message);
        await Assert.ThrowsAsync<ConstraintViolationException>(() => db.UpdateAsync(new Dictionary<string, object?> { ["key"] = "a" }, db["key"] == "b"));

        Assert.Equal(before, store.Snapshot("keyed"));
        Assert.Equal(new long[] { 0, 4 }, await db.InsertManyAsync([new() { Key = "a" }, new() { Key = "c" }], OnConflict.Ignore));
        Assert.Equal(3, await db.CountAsync());
    }

    [Fact]
    public async Task Indexed_CreatesAnIndex()
    {
        await using var store = new TempStore();
        await (await store.StartAsync()).Table<KeyedRow>("keyed").OpenAsync();
        var indexes = store.Query("keyed", "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'keyed' AND sql IS NOT NULL")
            .Select(r => (string)r[0]!).ToList();
        Assert.Contains(indexes, sql => sql.Contains("(\"score\")", StringComparison.Ordinal));
        Assert.DoesNotContain(indexes, sql => sql.Contains("(\"tag\")", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ReopeningWithAnotherType_ForAColumn_FailsNamingTheColumn()
    {
        await using var store = new TempStore();
        await using (var first = await store.StartAsync())
            await first.Table<ShapeV1>("shape").InsertAsync(new ShapeV1 { Number = 1 });
        var before = store.Snapshot("shape");

        var client = await store.StartAsync();
        var error = await Assert.ThrowsAsync<SchemaMismatchException>(() => client.Table<ShapeWrongType>("shape").CountAsync());
        Assert.Contains("'number'", error.Message);
        Assert.Contains("Int32", error.Message);
        Assert.Contains("Text", error.Message);

        Assert.Equal(1, await client.Table<ShapeV1>("shape").CountAsync());
        Assert.Equal(before, store.Snapshot("shape"));
    }

    [Fact]
    public async Task ANewNullableColumn_IsAddedToTheExistingTable()
    {
        await using var store = new TempStore();
        await using (var first = await store.StartAsync())
            await first.Table<ShapeV1>("shape").InsertAsync(new ShapeV1 { Number = 1 });

        await using (var second = await store.StartAsync())
        {
            var db = second.Table<ShapeWithNote>("shape");
            await db.InsertAsync(new ShapeWithNote { Number = 2, Note = "new" });
            var rows = await db.SelectAsync();
            Assert.Equal(new[] { (1, (string?)null), (2, "new") }, rows.Select(r => (r.Number, r.Note)));
        }

        var columns = store.Query("shape", "SELECT name FROM pragma_table_info('shape')").Select(r => (string)r[0]!).ToList();
        Assert.Equal(["id", "number", "note"], columns);
        var third = await store.StartAsync();
        Assert.Equal(2, await third.Table<ShapeV1>("shape").CountAsync());
        var withNote = third.Table<ShapeWithNote>("shape");
        Assert.Equal(1, await withNote.CountAsync(withNote["note"] == "new"));
    }

    [Fact]
    public async Task ANewNotNullColumnWithoutDefault_IsRefusedNamingIt_AndTheTableIsUnchanged()
    {
        await using var store = new TempStore();
        await using (var first = await store.StartAsync())
            await first.Table<ShapeV1>("shape").InsertAsync(new ShapeV1 { Number = 1 });

        var client = await store.StartAsync();
        var error = await Assert.ThrowsAsync<SchemaMismatchException>(() => client.Table<ShapeWithRequired>("shape").OpenAsync());
        Assert.Contains("'required'", error.Message);
        Assert.Contains("NOT NULL", error.Message);

        var columns = store.Query("shape", "SELECT name FROM pragma_table_info('shape')").Select(r => (string)r[0]!).ToList();
        Assert.Equal(["id", "number"], columns);
        Assert.Equal(1, await client.Table<ShapeV1>("shape").CountAsync());
    }
}
