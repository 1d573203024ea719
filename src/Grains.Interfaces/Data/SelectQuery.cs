namespace DocTable.Orleans;

/// <summary>One ORDER BY term.</summary>
/// <param name="Column">Column name.</param>
/// <param name="Descending">Sort descending.</param>
[GenerateSerializer, Immutable, Alias("doctable.OrderBy")]
public sealed record OrderBy([property: Id(0)] string Column, [property: Id(1)] bool Descending = false)
{
    /// <summary>Ascending order on <paramref name="column"/>.</summary>
    public static OrderBy Asc(string column) => new(column);

    /// <summary>Descending order on <paramref name="column"/>.</summary>
    public static OrderBy Desc(string column) => new(column, true);
}

/// <summary>A select: which columns, which rows, in which order, how many.</summary>
/// <param name="Columns">Columns to return; null for all.</param>
/// <param name="Where">Filter; null for all rows.</param>
/// <param name="OrderBy">Sort terms; null or empty for table order (by id).</param>
/// <param name="Limit">Maximum rows; null for no limit.</param>
/// <param name="Offset">Rows to skip.</param>
/// <param name="AfterRowId">
/// Keyset paging: when set, only rows whose rowid is above it, in rowid order (no <paramref name="OrderBy"/>
/// or <paramref name="Offset"/> allowed); the result's <see cref="RowSet.LastRowId"/> is the value to pass
/// for the next page. Start with <see cref="long.MinValue"/>.
/// </param>
[GenerateSerializer, Immutable, Alias("doctable.SelectQuery")]
public sealed record SelectQuery(
    [property: Id(0)] string[]? Columns = null,
    [property: Id(1)] Filter? Where = null,
    [property: Id(2)] OrderBy[]? OrderBy = null,
    [property: Id(3)] int? Limit = null,
    [property: Id(4)] int Offset = 0,
    [property: Id(5)] long? AfterRowId = null);
