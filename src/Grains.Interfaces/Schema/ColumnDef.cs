namespace DocTable.Orleans;

/// <summary>One column of a table.</summary>
/// <param name="Name">Column name (a validated identifier).</param>
/// <param name="Type">Logical type.</param>
/// <param name="Role">Regular, or one of the managed id/added/updated columns.</param>
/// <param name="Nullable">Whether NULL is allowed.</param>
/// <param name="Unique">Whether values must be unique.</param>
/// <param name="Indexed">Whether an index is kept on the column.</param>
/// <param name="DefaultSql">SQL literal used as the column default, or null for none.</param>
[GenerateSerializer, Immutable, Alias("doctable.ColumnDef")]
public sealed record ColumnDef(
    [property: Id(0)] string Name,
    [property: Id(1)] ColumnType Type,
    [property: Id(2)] ColumnRole Role = ColumnRole.Regular,
    [property: Id(3)] bool Nullable = true,
    [property: Id(4)] bool Unique = false,
    [property: Id(5)] bool Indexed = false,
    [property: Id(6)] string? DefaultSql = null)
{
    /// <summary>True for columns the caller writes (not id, added or updated).</summary>
    public bool IsWritable => Role == ColumnRole.Regular;

    /// <summary>Describes the parts of the definition that matter for compatibility.</summary>
    public override string ToString()
        => $"{Name} {Type}{(Role != ColumnRole.Regular ? " " + Role : "")}{(Nullable ? "" : " NOT NULL")}{(Unique ? " UNIQUE" : "")}{(DefaultSql is null ? "" : " DEFAULT " + DefaultSql)}";
}
