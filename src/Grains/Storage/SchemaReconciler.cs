using System.Text;

namespace DocTable.Orleans.Grains.Storage;

/// <summary>
/// Compares a stored schema with the one a row type asks for, and writes the DDL for new tables,
/// added columns and indexes. Every mismatch names the column and what differs.
/// </summary>
internal static class SchemaReconciler
{
    /// <summary>The outcome of opening an existing table with a row type.</summary>
    public sealed record Plan(TableSchema Merged, IReadOnlyList<ColumnDef> AddColumns, IReadOnlyList<ColumnDef> AddIndexes, IReadOnlyList<TableConstraint> AddConstraintIndexes)
    {
        /// <summary>True when the stored table already is what the row type asks for.</summary>
        public bool IsEmpty => AddColumns.Count == 0 && AddIndexes.Count == 0 && AddConstraintIndexes.Count == 0;
    }

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
        var constraints = ReconcileConstraints(table, stored, expected, out var addIndexes);
        return new Plan(new TableSchema(merged, constraints), add, index, addIndexes);
    }

    /// <summary>
    /// Table-level constraints must match by name and definition. A new composite index is created;
    /// any other new, changed or undeclared constraint is a mismatch (SQLite cannot add or drop
    /// UNIQUE, CHECK or FOREIGN KEY constraints of an existing table with ALTER TABLE).
    /// </summary>
    private static List<TableConstraint> ReconcileConstraints(string table, TableSchema stored, TableSchema expected, out List<TableConstraint> addIndexes)
    {
        addIndexes = [];
        var merged = stored.Constraints.ToList();
        foreach (var e in expected.Constraints)
        {
            var s = stored.FindConstraint(e.Name);
            if (s is null)
            {
                if (e.Kind != ConstraintKind.Index)
                    throw ConstraintMismatch(table, e.Name, $"{e.Describe()} is declared by the row type but not stored; SQLite cannot add a {e.Kind} constraint to an existing table (copy the rows into a new table)");
                addIndexes.Add(e);
                merged.Add(e);
                continue;
            }
            if (s.Describe() != e.Describe())
                throw ConstraintMismatch(table, e.Name, $"is {s.Describe()} in the stored table but {e.Describe()} in the row type");
        }
        foreach (var s in stored.Constraints)
            if (s.Kind != ConstraintKind.Index && expected.FindConstraint(s.Name) is null)
                throw ConstraintMismatch(table, s.Name, $"{s.Describe()} is enforced by the stored table but not declared by the row type; declare it so that the type says what the table enforces");
        return merged;
    }

    private static SchemaMismatchException ConstraintMismatch(string table, string constraint, string what)
        => new($"Table '{table}' does not match the row type: constraint '{constraint}' {what}.");

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
        foreach (var c in schema.Constraints)
        {
            if (c.Kind == ConstraintKind.Index) continue;
            sql.Append(", CONSTRAINT ").Append(Identifier.Quote(c.Name)).Append(' ').Append(c.Kind switch
            {
                ConstraintKind.Unique => "UNIQUE (" + QuotedList(schema, c.Columns) + ")",
                ConstraintKind.Check => "CHECK (" + c.Expression + ")",
                _ => "FOREIGN KEY (" + QuotedList(schema, c.Columns) + ") REFERENCES " + Identifier.Quote(table) + " (" + QuotedList(schema, c.ReferencedColumns!) + ")"
                     + c.OnDelete switch { ForeignKeyAction.Cascade => " ON DELETE CASCADE", ForeignKeyAction.SetNull => " ON DELETE SET NULL", _ => "" },
            });
        }
        return sql.Append(')').ToString();
    }

    /// <summary>The <c>CREATE INDEX</c> of a composite index constraint (no IF NOT EXISTS: a name clash must fail, not skip).</summary>
    public static string CreateIndex(string table, TableSchema schema, TableConstraint index)
        => $"CREATE INDEX {Identifier.Quote(index.Name)} ON {Identifier.Quote(table)} ({QuotedList(schema, index.Columns)})";

    private static string QuotedList(TableSchema schema, IEnumerable<string> columns)
        => string.Join(", ", columns.Select(c => Identifier.Quote(schema.Find(c)!.Name)));

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
