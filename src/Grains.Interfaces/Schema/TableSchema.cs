namespace DocTable.Orleans;

/// <summary>The columns of a table, in order. Built from a row type by the client, stored with the table.</summary>
[GenerateSerializer, Immutable, Alias("doctable.TableSchema")]
public sealed class TableSchema
{
    /// <summary>
    /// Creates a schema; validates every column name, that at most one column has each managed role,
    /// and every table-level constraint (names, columns, CHECK grammar, foreign keys within the table).
    /// </summary>
    public TableSchema(IReadOnlyList<ColumnDef> columns, IReadOnlyList<TableConstraint>? constraints = null)
    {
        if (columns.Count == 0) throw new SchemaException("A table needs at least one column.");
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in columns)
        {
            Identifier.Validate(c.Name, "column");
            if (Identifier.IsRowIdAlias(c.Name))
                throw new InvalidIdentifierException(
                    $"Column '{c.Name}' cannot be declared: rowid, oid and _rowid_ (any case) are SQLite's names for each row's own id, which DocTable orders and pages rows by, and a column of that name would hide it. Rename the column, e.g. [Column(Name = \"{c.Name.Trim('_').ToLowerInvariant()}_value\")].");
            if (!seen.Add(c.Name)) throw new SchemaException($"Column '{c.Name}' is declared twice.");
            if (c.DefaultSql is not null && !SqlLiteral.IsValid(c.DefaultSql))
                throw new SchemaException($"Default of column '{c.Name}' is not a plain SQL literal: {c.DefaultSql}");
            if (c.Role == ColumnRole.Id && c.Type != ColumnType.Int64 && c.Type != ColumnType.Int32)
                throw new SchemaException($"Id column '{c.Name}' must be an integer.");
            if (c.Role is ColumnRole.Added or ColumnRole.Updated && c.Type != ColumnType.DateTime)
                throw new SchemaException($"Timestamp column '{c.Name}' must be a DateTime.");
            if (c.Type.IsFile() && (c.Unique || c.Indexed || c.DefaultSql is not null))
                throw new SchemaException($"File column '{c.Name}' cannot be unique, indexed or have a default: the table stores only a generated file name.");
        }
        foreach (var role in new[] { ColumnRole.Id, ColumnRole.Added, ColumnRole.Updated })
            if (columns.Count(c => c.Role == role) > 1)
                throw new SchemaException($"Only one {role} column is allowed.");
        Columns = columns;
        Constraints = constraints ?? [];
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var constraint in Constraints)
        {
            if (constraint is null) throw new SchemaException("A constraint is null.");
            constraint.Validate(this);
            if (!names.Add(constraint.Name)) throw new SchemaException($"Constraint '{constraint.Name}' is declared twice.");
        }
    }

    /// <summary>
    /// This schema checked again as the constructor checks it: a schema that arrived over the wire
    /// was built without the constructor, so a table validates it before taking it.
    /// </summary>
    public TableSchema Validated()
    {
        if (Columns is null || Columns.Any(c => c is null) || (Constraints ?? []).Any(c => c is null))
            throw new SchemaException("A schema has no columns or holds a null column or constraint.");
        return new TableSchema(Columns, Constraints);
    }

    /// <summary>Table-level constraints and composite indexes, enforced by SQLite.</summary>
    [Id(1)] public IReadOnlyList<TableConstraint> Constraints { get; private init; }

    /// <summary>The constraint named <paramref name="name"/> (case-insensitive), or null.</summary>
    public TableConstraint? FindConstraint(string name)
        => Constraints.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>True when <paramref name="columns"/> are the id column, a UNIQUE column, or exactly the columns of a UNIQUE constraint.</summary>
    public bool IsUniqueKey(IReadOnlyCollection<string> columns)
    {
        if (columns.Count == 1 && Find(columns.First()) is { } single && (single.Role == ColumnRole.Id || single.Unique)) return true;
        return Constraints.Any(c => c.Kind == ConstraintKind.Unique && c.Columns.Length == columns.Count
                                    && c.Columns.All(x => columns.Contains(x, StringComparer.OrdinalIgnoreCase)));
    }

    /// <summary>The columns in table order.</summary>
    [Id(0)] public IReadOnlyList<ColumnDef> Columns { get; private init; }

    /// <summary>Finds a column by name (case-insensitive, as SQLite does), or null.</summary>
    public ColumnDef? Find(string name)
    {
        foreach (var c in Columns)
            if (string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase)) return c;
        return null;
    }

    /// <summary>The column with the given role, or null.</summary>
    public ColumnDef? WithRole(ColumnRole role) => Columns.FirstOrDefault(c => c.Role == role);
}
