namespace DocTable.Orleans;

/// <summary>The kind of a table-level constraint.</summary>
[GenerateSerializer, Alias("doctable.ConstraintKind")]
public enum ConstraintKind
{
    /// <summary><c>CONSTRAINT name UNIQUE (a, b)</c>: the combination of values is unique.</summary>
    Unique,
    /// <summary><c>CONSTRAINT name CHECK (expression)</c>: every row satisfies the expression.</summary>
    Check,
    /// <summary><c>CREATE INDEX name ON table (a, b)</c>: a (composite) index; not a rule, only speed.</summary>
    Index,
    /// <summary><c>CONSTRAINT name FOREIGN KEY (a) REFERENCES table (id)</c>, within the same table.</summary>
    ForeignKey,
}

/// <summary>What a foreign key does when the referenced row is deleted.</summary>
[GenerateSerializer, Alias("doctable.ForeignKeyAction")]
public enum ForeignKeyAction
{
    /// <summary>Refuse the delete while rows refer to it.</summary>
    NoAction,
    /// <summary>Delete the referring rows too.</summary>
    Cascade,
    /// <summary>Set the referring columns to NULL.</summary>
    SetNull,
}

/// <summary>
/// A table-level constraint or composite index, enforced by SQLite and stored with the schema.
/// Foreign keys can only reference the same table: every table lives in its own SQLite file, and
/// SQLite cannot enforce a reference into another file.
/// </summary>
/// <param name="Kind">Unique, check, index or foreign key.</param>
/// <param name="Name">Constraint (or index) name, a legal identifier unique within the table.</param>
/// <param name="Columns">Columns constrained (the referring columns of a foreign key); empty for a check.</param>
/// <param name="Expression">The check expression (see <see cref="CheckExpression"/> for what it may contain); null otherwise.</param>
/// <param name="ReferencedColumns">The referenced columns of the same table for a foreign key; null otherwise.</param>
/// <param name="OnDelete">Foreign key action on delete of the referenced row.</param>
[GenerateSerializer, Immutable, Alias("doctable.TableConstraint")]
public sealed record TableConstraint(
    [property: Id(0)] ConstraintKind Kind,
    [property: Id(1)] string Name,
    [property: Id(2)] string[] Columns,
    [property: Id(3)] string? Expression = null,
    [property: Id(4)] string[]? ReferencedColumns = null,
    [property: Id(5)] ForeignKeyAction OnDelete = ForeignKeyAction.NoAction)
{
    /// <summary>The definition in words, used to compare a stored constraint with a declared one and in messages.</summary>
    public string Describe() => Kind switch
    {
        ConstraintKind.Check => $"CHECK ({Expression})",
        ConstraintKind.ForeignKey => $"FOREIGN KEY ({string.Join(", ", Columns)}) REFERENCES ({string.Join(", ", ReferencedColumns ?? [])}) ON DELETE {OnDelete}",
        _ => $"{Kind.ToString().ToUpperInvariant()} ({string.Join(", ", Columns)})",
    };

    /// <summary>Checks the constraint against the columns of its table; throws <see cref="SchemaException"/> naming it.</summary>
    internal void Validate(TableSchema schema)
    {
        Identifier.Validate(Name, "constraint");
        var columns = Columns ?? [];
        if (Kind == ConstraintKind.Check)
        {
            if (columns.Length > 0) throw Invalid("a check takes an expression, not a column list");
            CheckExpression.Validate(Expression, schema, Name);
            return;
        }
        if (Expression is not null) throw Invalid("only a check has an expression");
        if (columns.Length == 0) throw Invalid("it names no column");
        RequireColumns(schema, columns);
        if (Kind != ConstraintKind.ForeignKey)
        {
            if (ReferencedColumns is not null) throw Invalid("only a foreign key references columns");
            return;
        }
        var referenced = ReferencedColumns ?? [];
        if (referenced.Length != columns.Length)
            throw Invalid($"it has {columns.Length} referring but {referenced.Length} referenced columns");
        RequireColumns(schema, referenced);
        if (!schema.IsUniqueKey(referenced))
            throw Invalid($"the referenced columns ({string.Join(", ", referenced)}) must be the id column or unique, so that SQLite can enforce the reference");
        if (OnDelete == ForeignKeyAction.SetNull && columns.Any(c => schema.Find(c)!.Nullable == false))
            throw Invalid("ON DELETE SET NULL needs nullable referring columns");
    }

    private void RequireColumns(TableSchema schema, string[] columns)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var c in columns)
        {
            if (schema.Find(c) is null) throw Invalid($"the column '{c}' does not exist in the table");
            if (!seen.Add(c)) throw Invalid($"the column '{c}' is named twice");
        }
    }

    private SchemaException Invalid(string why) => new($"Constraint '{Name}' ({Kind}) is not valid: {why}.");
}
