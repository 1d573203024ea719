using Microsoft.Data.Sqlite;
using Xunit;

namespace DocTable.Orleans.Tests.Parity;

public sealed class MigrationTests
{
    private sealed class V1
    {
        [IdColumn] public long Id { get; set; }
        public int Number { get; set; }
        public string? Name { get; set; }
    }

    private sealed class V2
    {
        [IdColumn] public long Id { get; set; }
        public int Number { get; set; }
        public string? Name { get; set; }
        public double? Score { get; set; }
        [Column(Default = 7)] public int Level { get; set; }
        [Column(Indexed = true)] public string? Tag { get; set; }
    }

    private sealed class NameIsInt { [IdColumn] public long Id { get; set; } public int Number { get; set; } public int? Name { get; set; } }
    private sealed class NumberNullable { [IdColumn] public long Id { get; set; } public int? Number { get; set; } public string? Name { get; set; } }
    private sealed class NameUnique { [IdColumn] public long Id { get; set; } public int Number { get; set; } [Column(Unique = true)] public string? Name { get; set; } }
    private sealed class NumberDefault { [IdColumn] public long Id { get; set; } [Column(Default = 3)] public int Number { get; set; } public string? Name { get; set; } }
    private sealed class AddsRequired { [IdColumn] public long Id { get; set; } public int Number { get; set; } public string? Name { get; set; } public int Required { get; set; } }
    private sealed class AddsUnique { [IdColumn] public long Id { get; set; } public int Number { get; set; } public string? Name { get; set; } [Column(Unique = true)] public string? Code { get; set; } }
    private sealed class AddsAdded { [IdColumn] public long Id { get; set; } public int Number { get; set; } public string? Name { get; set; } [AddedColumn] public DateTime Added { get; set; } }
    private sealed class DropsNumber { [IdColumn] public long Id { get; set; } public string? Name { get; set; } }
    private sealed class DropsName { [IdColumn] public long Id { get; set; } public int Number { get; set; } }
    private sealed class NoId { public long Id { get; set; } public int Number { get; set; } public string? Name { get; set; } }

    [Fact]
    public async Task AddedColumnsAreAddedToTheExistingTableAndSurviveRestart()
    {
        await using var store = await TempStore.CreateAsync();
        await store.Client.Table<V1>("m").InsertAsync(new V1 { Number = 1, Name = "old" });

        var v2 = store.Client.Table<V2>("m");
        var schema = await v2.OpenAsync();
        Assert.Equal(["id", "number", "name", "score", "level", "tag"], schema.Columns.Select(c => c.Name));
        await v2.InsertAsync(new V2 { Number = 2, Name = "new", Score = 1.5, Level = 9, Tag = "t" });
        var rows = await v2.SelectAsync();
        Assert.Equal([(1, null, 7, null), (2, (double?)1.5, 9, "t")], rows.Select(r => (r.Number, r.Score, r.Level, r.Tag)));

        await store.RestartAsync();
        // The old type still works on the migrated table (extra nullable/defaulted columns are fine).
        var again = store.Client.Table<V1>("m");
        Assert.Equal(3, await again.InsertAsync(new V1 { Number = 3 }));
        Assert.Equal(6, (await store.Client.Table<V2>("m").OpenAsync()).Columns.Count);
        Assert.Equal(7, (await store.Client.Table<V2>("m").Where(r => r.Number == 3).FirstAsync())!.Level);
        await store.Client.DisposeAsync();
        Assert.Contains("ix_m_tag", Indexes(store.Directory, "m"));
        await store.RestartAsync();
    }

    [Fact]
    public async Task IncompatibleChangesFailNamingColumnAndDifferenceAndChangeNothing()
    {
        await using var store = await TempStore.CreateAsync();
        await store.Client.Table<V1>("m").InsertAsync(new V1 { Number = 1, Name = "x" });

        await AssertMismatch<NameIsInt>(store, "'name'", "type is Text in the stored table but Int32 in the row type");
        await AssertMismatch<NumberNullable>(store, "'number'", "NOT NULL but the row type's allows NULL");
        await AssertMismatch<NameUnique>(store, "'name'", "UNIQUE but the stored one is not");
        await AssertMismatch<NumberDefault>(store, "'number'", "default is none in the stored table but 3");
        await AssertMismatch<AddsRequired>(store, "'required'", "NOT NULL without a default");
        await AssertMismatch<AddsUnique>(store, "'code'", "cannot add a UNIQUE column");
        await AssertMismatch<AddsAdded>(store, "'added'", "managed columns cannot be added later");
        await AssertMismatch<DropsNumber>(store, "'number'", "missing from the row type");
        await AssertMismatch<NoId>(store, "'id'", "role is Id in the stored table but Regular");

        // Nothing changed: same columns, same rows; dropping a nullable column from the type is allowed.
        var schema = await store.Client.Table<V1>("m").OpenAsync();
        Assert.Equal(["id", "number", "name"], schema.Columns.Select(c => c.Name));
        Assert.Equal(1, await store.Client.Table<DropsName>("m").CountAsync());
        await store.RestartAsync();
        Assert.Equal(["id", "number", "name"], (await store.Client.Table<V1>("m").OpenAsync()).Columns.Select(c => c.Name));
    }

    private static async Task AssertMismatch<T>(TempStore store, string column, string what) where T : new()
    {
        var e = await Assert.ThrowsAsync<SchemaMismatchException>(() => store.Client.Table<T>("m").OpenAsync());
        Assert.Contains(column, e.Message);
        Assert.Contains(what, e.Message);
    }

    internal static List<string> Indexes(string directory, string table)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(directory, table + ".db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read()) names.Add(reader.GetString(0));
        return names;
    }
}
