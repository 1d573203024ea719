using System.Runtime.CompilerServices;
using DocTable.Orleans.Tests.Embedded.Support;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>
/// A column named rowid, oid or _rowid_ (any case) would hide SQLite's own row id, by which DocTable
/// orders rows and pages streams and exports: such names are refused when the schema is built, by the
/// client and by the table grain, with an error naming the column; nothing is created.
/// </summary>
public sealed class ReservedColumnTests
{
    public sealed class RankedRow
    {
        [IdColumn] public long Id { get; set; }
        [Column(Name = "rowid")] public int Rank { get; set; }
    }

    public sealed class OidRow
    {
        public int Oid { get; set; }
        public string? Text { get; set; }
    }

    public sealed class UpperRow
    {
        [Column(Name = "_ROWID_")] public long Key { get; set; }
    }

    public sealed class IdNamedRowid
    {
        [IdColumn(Name = "RowId")] public long Id { get; set; }
        public int N { get; set; }
    }

    [Fact]
    public async Task RowidAliasColumns_AreRefusedAtSchemaTime_NamingTheColumn()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();

        Assert.Contains("'rowid'", Assert.Throws<InvalidIdentifierException>(() => client.Table<RankedRow>("ranked")).Message);
        Assert.Contains("'oid'", Assert.Throws<InvalidIdentifierException>(() => client.Table<OidRow>("oids")).Message);
        Assert.Contains("'_ROWID_'", Assert.Throws<InvalidIdentifierException>(() => client.Table<UpperRow>("upper")).Message);
        Assert.Contains("'RowId'", Assert.Throws<InvalidIdentifierException>(() => client.Table<IdNamedRowid>("ids")).Message);
        foreach (var name in new[] { "rowid", "ROWID", "Oid", "_rowid_", "_RowId_" })
        {
            var error = Assert.Throws<InvalidIdentifierException>(() => new TableSchema([new ColumnDef("n", ColumnType.Int64), new ColumnDef(name, ColumnType.Int64)]));
            Assert.Contains($"'{name}'", error.Message);
        }
        // Names that only contain them stay legal.
        _ = new TableSchema([new ColumnDef("rowid_2", ColumnType.Int64), new ColumnDef("oids", ColumnType.Text), new ColumnDef("my_rowid", ColumnType.Int64)]);
        Assert.Empty(Directory.GetFiles(store.DataDir));
    }

    /// <summary>A schema that reached the grain without its constructor's checks (as from the wire) is refused there too.</summary>
    [Fact]
    public async Task RowidAliasColumn_InASchemaFromTheWire_IsRefusedByTheGrain()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var schema = (TableSchema)RuntimeHelpers.GetUninitializedObject(typeof(TableSchema));
        typeof(TableSchema).GetProperty(nameof(TableSchema.Columns))!.SetValue(schema, new List<ColumnDef> { new("n", ColumnType.Int64), new("rowid", ColumnType.Int64) });
        typeof(TableSchema).GetProperty(nameof(TableSchema.Constraints))!.SetValue(schema, new List<TableConstraint>());

        var error = await Assert.ThrowsAsync<InvalidIdentifierException>(() => client.GrainFactory.GetGrain<ITableGrain>("wire").OpenAsync(schema));
        Assert.Contains("'rowid'", error.Message);
        Assert.False(File.Exists(store.TablePath("wire")));
    }
}
