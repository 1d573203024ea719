namespace DocTable.Orleans;

/// <summary>Base of the class-level constraint attributes; <see cref="Name"/> names the constraint in errors.</summary>
public abstract class TableConstraintAttribute : Attribute
{
    /// <summary>Constraint name (a legal identifier); a name is derived from the kind and columns when not given.</summary>
    public string? Name { get; set; }
}

/// <summary>
/// <c>CONSTRAINT name UNIQUE (a, b)</c>: the combination of the columns (property or column names) is
/// unique. A violation throws <see cref="ConstraintViolationException"/> naming the constraint.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class UniqueAttribute(params string[] columns) : TableConstraintAttribute
{
    /// <summary>The columns.</summary>
    public string[] Columns { get; } = columns;
}

/// <summary>
/// <c>CONSTRAINT name CHECK (expression)</c>, enforced by SQLite. The expression uses column names and
/// a small safe grammar (see <see cref="CheckExpression"/>), e.g. <c>"number &gt;= 0 AND length(process) = 2"</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class CheckAttribute(string expression) : TableConstraintAttribute
{
    /// <summary>The SQL expression.</summary>
    public string Expression { get; } = expression;
}

/// <summary>A (composite) index on the columns, in order. Unlike the other constraints it can be added to an existing table.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class IndexAttribute(params string[] columns) : TableConstraintAttribute
{
    /// <summary>The columns.</summary>
    public string[] Columns { get; } = columns;
}

/// <summary>
/// <c>FOREIGN KEY (column) REFERENCES this_table (referencedColumn)</c>: a reference to another row of
/// the <em>same</em> table (e.g. a parent id), enforced by SQLite. The referenced column must be the id
/// column or unique. References to other tables are not supported: each table lives in its own SQLite
/// file, and SQLite cannot enforce a foreign key into another file.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class ForeignKeyAttribute(string column, string referencedColumn) : TableConstraintAttribute
{
    /// <summary>The referring column.</summary>
    public string Column { get; } = column;

    /// <summary>The referenced column of the same table.</summary>
    public string ReferencedColumn { get; } = referencedColumn;

    /// <summary>What deleting a referenced row does (refused by default).</summary>
    public ForeignKeyAction OnDelete { get; set; }
}
