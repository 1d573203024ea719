using System.Text;

namespace DocTable.Orleans.Grains.Storage;

/// <summary>
/// Compares a stored schema with the one a row type asks for, and writes the DDL for new tables,
/// added columns and indexes. Every mismatch names the column and what differs.
/// </summary>
internal static class SchemaReconciler
{
    /// <summary>The outcome of opening an existing table with a row type.</summary>
    public sealed record Plan(TableSchema Merged, IReadOnlyList<ColumnDef> AddColumns, IReadOnlyList<ColumnDef> AddIndexes);

    public static Plan Reconcile(string table, TableSchema stored, TableSchema expected)
    {
        var add = new List<ColumnDef>();
        var index = new List<ColumnDef>();
        var merged = stored.Columns.ToList();
        foreach (var e in expected.Columns)
        {
            var s = stored.Find(e.Name);
            if (s is null)
            {
                if (e.Role != ColumnRole.Regular)
                    throw Mismatch(table, e.Name, $"is a {e.Role} column in the row type but missing from the stored table; managed columns cannot be added later");
                if (!e.Nullable && e.DefaultSql is null)
                    throw Mismatch(table, e.Name, "is missing from the stored table and cannot be added because it is NOT NULL without a default (make it nullable or give it a default)");
                if (e.Unique)
                    throw Mismatch(table, e.Name, "is missing from the stored table and cannot be added because SQLite cannot add a UNIQUE column to an existing table");
                add.Add(e);
                merged.Add(e);
                if (e.Indexed) index.Add(e);
                continue;
            }
            var diffs = new List<string>();
            if (s.Type != e.Type) diffs.Add($"type is {s.Type} in the stored table but {e.Type} in the row type");
            if (s.Role != e.Role) diffs.Add($"role is {s.Role} in the stored table but {e.Role} in the row type");
            if (s.Nullable != e.Nullable) diffs.Add(s.Nullable ? "the stored column allows NULL but the row type's does not" : "the stored column is NOT NULL but the row type's allows NULL");
            if (s.Unique != e.Unique) diffs.Add(s.Unique ? "the stored column is UNIQUE but the row type's is not" : "the row type's column is UNIQUE but the stored one is not");
            if (s.DefaultSql != e.DefaultSql) diffs.Add($"default is {s.DefaultSql ?? "none"} in the stored table but {e.DefaultSql ?? "none"} in the row type");
            if (diffs.Count > 0) throw Mismatch(table, e.Name, string.Join("; ", diffs));
            if (e.Indexed && !s.Indexed)
            {
                index.Add(e);
                merged[merged.IndexOf(s)] = s with { Indexed = true };
            }
        }
        foreach (var s in stored.Columns)
            if (expected.Find(s.Name) is null && s.Role == ColumnRole.Regular && !s.Nullable && s.DefaultSql is null)
                throw Mismatch(table, s.Name, "is NOT NULL without a default in the stored table but missing from the row type, so its rows could not be inserted");
        return new Plan(new TableSchema(merged), add, index);
    }

    private static SchemaMismatchException Mismatch(string table, string column, string what)
        => new($"Table '{table}' does not match the row type: column '{column}' {what}.");

    public static string CreateTable(string table, TableSchema schema)
    {
        var sql = new StringBuilder("CREATE TABLE ").Append(Identifier.Quote(table)).Append(" (");
        for (var i = 0; i < schema.Columns.Count; i++)
        {
            if (i > 0) sql.Append(", ");
            sql.Append(ColumnDdl(schema.Columns[i]));
        }
        return sql.Append(')').ToString();
    }

    public static string AddColumn(string table, ColumnDef column)
        => $"ALTER TABLE {Identifier.Quote(table)} ADD COLUMN {ColumnDdl(column)}";

    public static string CreateIndex(string table, ColumnDef column)
        => $"CREATE INDEX IF NOT EXISTS {Identifier.Quote("ix_" + table + "_" + column.Name)} ON {Identifier.Quote(table)} ({Identifier.Quote(column.Name)})";

    private static string ColumnDdl(ColumnDef c)
    {
        var sql = new StringBuilder(Identifier.Quote(c.Name)).Append(' ').Append(c.Type.SqlType());
        if (c.Role == ColumnRole.Id) return sql.Append(" PRIMARY KEY AUTOINCREMENT").ToString();
        if (!c.Nullable) sql.Append(" NOT NULL");
        if (c.Unique) sql.Append(" UNIQUE");
        if (c.DefaultSql is not null) sql.Append(" DEFAULT ").Append(c.DefaultSql);
        return sql.ToString();
    }
}
