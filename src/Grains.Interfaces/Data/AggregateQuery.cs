namespace DocTable.Orleans;

/// <summary>An aggregate function the table computes.</summary>
[GenerateSerializer, Alias("doctable.AggregateFunction")]
public enum AggregateFunction
{
    /// <summary>Rows (<c>COUNT(*)</c>), or non-null values of a column.</summary>
    Count,
    /// <summary>Distinct non-null values of a column.</summary>
    CountDistinct,
    /// <summary>Sum of a numeric column (NULL when no row has a value).</summary>
    Sum,
    /// <summary>Smallest value of a column.</summary>
    Min,
    /// <summary>Largest value of a column.</summary>
    Max,
    /// <summary>Average of a numeric column, as a double (NULL when no row has a value).</summary>
    Avg,
}

/// <summary>One aggregate: a function over a column (no column: <c>COUNT(*)</c>).</summary>
/// <param name="Function">The function.</param>
/// <param name="Column">The column; null only for <see cref="AggregateFunction.Count"/> of rows.</param>
[GenerateSerializer, Immutable, Alias("doctable.Aggregate")]
public sealed record Aggregate([property: Id(0)] AggregateFunction Function, [property: Id(1)] string? Column = null)
{
    /// <summary>Number of rows.</summary>
    public static Aggregate Count() => new(AggregateFunction.Count);

    /// <summary>Number of distinct non-null values of <paramref name="column"/>.</summary>
    public static Aggregate CountDistinct(string column) => new(AggregateFunction.CountDistinct, column);

    /// <summary>Sum of <paramref name="column"/>.</summary>
    public static Aggregate Sum(string column) => new(AggregateFunction.Sum, column);

    /// <summary>Smallest value of <paramref name="column"/>.</summary>
    public static Aggregate Min(string column) => new(AggregateFunction.Min, column);

    /// <summary>Largest value of <paramref name="column"/>.</summary>
    public static Aggregate Max(string column) => new(AggregateFunction.Max, column);

    /// <summary>Average of <paramref name="column"/>.</summary>
    public static Aggregate Avg(string column) => new(AggregateFunction.Avg, column);

    /// <summary>The name of the result column: <c>count</c>, or function and column, e.g. <c>sum_number</c>.</summary>
    public string OutputName => Column is null
        ? "count"
        : (Function == AggregateFunction.CountDistinct ? "count_distinct" : Function.ToString().ToLowerInvariant()) + "_" + Column;
}

/// <summary>
/// Aggregates over the rows matching <paramref name="Where"/>, one result row per group of
/// <paramref name="GroupBy"/> values (sorted by them), or one row without grouping. The result's
/// columns are the group columns, then each aggregate's <see cref="Aggregate.OutputName"/>. Grouping
/// without aggregates gives the distinct values of the group columns.
/// </summary>
/// <param name="Aggregates">Functions to compute (may be empty when grouping).</param>
/// <param name="Where">Filter; null for every row.</param>
/// <param name="GroupBy">Group columns; null or empty for one result row.</param>
/// <param name="Limit">Maximum result rows; null for no limit.</param>
[GenerateSerializer, Immutable, Alias("doctable.AggregateQuery")]
public sealed record AggregateQuery([property: Id(0)] Aggregate[] Aggregates, [property: Id(1)] Filter? Where = null, [property: Id(2)] string[]? GroupBy = null, [property: Id(3)] int? Limit = null);
