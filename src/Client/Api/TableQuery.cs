using System.Linq.Expressions;
using DocTable.Orleans.Linq;

namespace DocTable.Orleans;

/// <summary>
/// A typed query on a table: <c>table.Where(r =&gt; r.Number &gt; 10 &amp;&amp; r.Process == "AB").OrderBy(r =&gt; r.Id).Take(10)</c>.
/// Each method returns a new query; nothing runs until <see cref="ToListAsync"/>, <see cref="FirstAsync"/>,
/// <see cref="CountAsync"/> or another terminal call. Conditions are translated to the parameterized
/// <see cref="Filter"/> model and run by the table grain; an expression that cannot be translated throws
/// <see cref="UnsupportedExpressionException"/> naming it (there is no client-side filtering).
/// </summary>
public sealed class TableQuery<T> where T : new()
{
    private readonly OrderBy[] _order;
    private readonly int _skip;
    private readonly int? _take;

    internal TableQuery(Table<T> table, Filter? where = null, OrderBy[]? order = null, int skip = 0, int? take = null)
    {
        Table = table;
        Filter = where;
        _order = order ?? [];
        _skip = skip;
        _take = take;
    }

    /// <summary>The table queried.</summary>
    public Table<T> Table { get; }

    /// <summary>The translated filter (null: every row).</summary>
    public Filter? Filter { get; }

    /// <summary>The sort terms, in order.</summary>
    public IReadOnlyList<OrderBy> Order => _order;

    private RowMapper<T> Mapper => RowMapper<T>.Instance;

    /// <summary>Adds a condition (joined with AND to earlier ones).</summary>
    public TableQuery<T> Where(Expression<Func<T, bool>> predicate)
    {
        RequireNoPaging(nameof(Where));
        var filter = ExpressionTranslator<T>.Where(Mapper, predicate);
        return new(Table, Filter is null ? filter : new AndFilter([Filter, filter]), _order, _skip, _take);
    }

    /// <summary>Sorts by <paramref name="key"/> ascending (replacing earlier sort terms).</summary>
    public TableQuery<T> OrderBy<TKey>(Expression<Func<T, TKey>> key) => Sort(key, false, replace: true);

    /// <summary>Sorts by <paramref name="key"/> descending (replacing earlier sort terms).</summary>
    public TableQuery<T> OrderByDescending<TKey>(Expression<Func<T, TKey>> key) => Sort(key, true, replace: true);

    /// <summary>Adds an ascending sort term after the earlier ones.</summary>
    public TableQuery<T> ThenBy<TKey>(Expression<Func<T, TKey>> key) => Sort(key, false, replace: false);

    /// <summary>Adds a descending sort term after the earlier ones.</summary>
    public TableQuery<T> ThenByDescending<TKey>(Expression<Func<T, TKey>> key) => Sort(key, true, replace: false);

    /// <summary>Skips <paramref name="count"/> rows of the result (as LINQ: after any earlier Take).</summary>
    public TableQuery<T> Skip(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new(Table, Filter, _order, _skip + count, _take is { } t ? Math.Max(0, t - count) : null);
    }

    /// <summary>Returns at most <paramref name="count"/> rows.</summary>
    public TableQuery<T> Take(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return new(Table, Filter, _order, _skip, Math.Min(_take ?? count, count));
    }

    /// <summary>Reads only the columns <paramref name="selector"/> uses and returns its results, e.g. <c>Select(r =&gt; new { r.Id, r.Number })</c>.</summary>
    public ProjectedQuery<T, TResult> Select<TResult>(Expression<Func<T, TResult>> selector)
        => new(this, ExpressionTranslator<T>.ColumnsRead(Mapper, selector), selector.Compile());

    /// <summary>The select this query sends, for <paramref name="columns"/> (null: all).</summary>
    public SelectQuery ToSelectQuery(string[]? columns = null)
        => new(columns, Filter, _order.Length > 0 ? _order : null, _take, _skip);

    /// <summary>Runs the query.</summary>
    public async Task<List<T>> ToListAsync(CancellationToken cancellationToken = default)
        => Mapper.FromRowSet(await Table.SelectRawAsync(ToSelectQuery(), cancellationToken).ConfigureAwait(false));

    /// <summary>The first row of the result, or default when there is none.</summary>
    public async Task<T?> FirstAsync(CancellationToken cancellationToken = default)
    {
        var rows = await Take(1).ToListAsync(cancellationToken).ConfigureAwait(false);
        return rows.Count > 0 ? rows[0] : default;
    }

    /// <summary>Number of rows the query returns (counted by the table, honouring Skip and Take).</summary>
    public async Task<long> CountAsync(CancellationToken cancellationToken = default)
    {
        var count = await Table.CountAsync(Filter, cancellationToken).ConfigureAwait(false);
        count = Math.Max(0, count - _skip);
        return _take is { } take ? Math.Min(count, take) : count;
    }

    /// <summary>True when at least one row matches.</summary>
    public async Task<bool> AnyAsync(CancellationToken cancellationToken = default)
        => await Take(1).CountAsync(cancellationToken).ConfigureAwait(false) > 0;

    /// <summary>The matching rows in table order, <paramref name="chunkSize"/> at a time; the query must have no order, Skip or Take.</summary>
    public IAsyncEnumerable<T> StreamAsync(int chunkSize = 1000, CancellationToken cancellationToken = default)
    {
        if (_order.Length > 0 || _skip > 0 || _take is not null)
            throw new InvalidQueryException("StreamAsync pages in table order; remove OrderBy, Skip and Take (or use ToListAsync).");
        return Table.StreamAsync(chunkSize, Filter, cancellationToken);
    }

    /// <summary>Number of distinct non-null values of the selected column among the matching rows.</summary>
    public async Task<long> CountDistinctAsync<TKey>(Expression<Func<T, TKey>> column, CancellationToken cancellationToken = default)
        => (long)(await ScalarAsync(Aggregate.CountDistinct(ColumnName(column)), cancellationToken).ConfigureAwait(false))!;

    /// <summary>Sum of an integer column over the matching rows (0 when none).</summary>
    public async Task<long> SumAsync(Expression<Func<T, long?>> column, CancellationToken cancellationToken = default)
        => await ScalarAsync(Aggregate.Sum(ColumnName(column)), cancellationToken).ConfigureAwait(false) is { } v ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : 0;

    /// <summary>Sum of a real column over the matching rows (0 when none).</summary>
    public async Task<double> SumAsync(Expression<Func<T, double?>> column, CancellationToken cancellationToken = default)
        => await ScalarAsync(Aggregate.Sum(ColumnName(column)), cancellationToken).ConfigureAwait(false) is { } v ? Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture) : 0;

    /// <summary>Average of a numeric column over the matching rows; null when no row has a value.</summary>
    public async Task<double?> AverageAsync(Expression<Func<T, double?>> column, CancellationToken cancellationToken = default)
        => await ScalarAsync(Aggregate.Avg(ColumnName(column)), cancellationToken).ConfigureAwait(false) is { } v ? Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>Smallest value of the selected column (default when no row has a value; select a nullable, e.g. <c>r =&gt; (int?)r.Number</c>, to tell).</summary>
    public Task<TKey?> MinAsync<TKey>(Expression<Func<T, TKey>> column, CancellationToken cancellationToken = default)
        => TypedScalarAsync(AggregateFunction.Min, column, cancellationToken);

    /// <summary>Largest value of the selected column (default when no row has a value).</summary>
    public Task<TKey?> MaxAsync<TKey>(Expression<Func<T, TKey>> column, CancellationToken cancellationToken = default)
        => TypedScalarAsync(AggregateFunction.Max, column, cancellationToken);

    /// <summary>The distinct values of the selected column among the matching rows, sorted (null first when present).</summary>
    public async Task<List<TKey?>> DistinctAsync<TKey>(Expression<Func<T, TKey>> column, CancellationToken cancellationToken = default)
    {
        var name = ColumnName(column);
        var set = await Table.AggregateAsync(new AggregateQuery([], Filter, [name]), cancellationToken).ConfigureAwait(false);
        return set.Rows.Select(r => ToClr<TKey>(name, r[0])).ToList();
    }

    /// <summary>Groups the matching rows by the selected column, for counts and other aggregates per group.</summary>
    public GroupedQuery<T, TKey> GroupBy<TKey>(Expression<Func<T, TKey>> key)
    {
        RequireNoPaging(nameof(GroupBy));
        return new(this, ColumnName(key));
    }

    internal static TKey? ToClr<TKey>(string column, object? stored) => RowMapper<T>.Instance.FromStorageValue(column, stored) switch
    {
        null => default,
        TKey typed => typed,
        var other => (TKey)Convert.ChangeType(other, Nullable.GetUnderlyingType(typeof(TKey)) ?? typeof(TKey), System.Globalization.CultureInfo.InvariantCulture),
    };

    private async Task<TKey?> TypedScalarAsync<TKey>(AggregateFunction function, Expression<Func<T, TKey>> column, CancellationToken cancellationToken)
    {
        var name = ColumnName(column);
        return ToClr<TKey>(name, await ScalarAsync(new Aggregate(function, name), cancellationToken).ConfigureAwait(false));
    }

    private async Task<object?> ScalarAsync(Aggregate aggregate, CancellationToken cancellationToken)
    {
        RequireNoPaging(aggregate.Function.ToString());
        var set = await Table.AggregateAsync(new AggregateQuery([aggregate], Filter), cancellationToken).ConfigureAwait(false);
        return set.Rows[0][0];
    }

    private string ColumnName<TKey>(Expression<Func<T, TKey>> column) => ExpressionTranslator<T>.Column(Mapper, column).Name;

    private TableQuery<T> Sort<TKey>(Expression<Func<T, TKey>> key, bool descending, bool replace)
    {
        RequireNoPaging(replace ? (descending ? nameof(OrderByDescending) : nameof(OrderBy)) : (descending ? nameof(ThenByDescending) : nameof(ThenBy)));
        if (!replace && _order.Length == 0)
            throw new InvalidQueryException("ThenBy needs an OrderBy before it.");
        var term = new OrderBy(ExpressionTranslator<T>.Column(Mapper, key).Name, descending);
        return new(Table, Filter, replace ? [term] : [.. _order, term], _skip, _take);
    }

    private void RequireNoPaging(string method)
    {
        if (_skip > 0 || _take is not null)
            throw new InvalidQueryException($"{method} after Skip/Take would filter or sort a page on the client; call {method} before Skip and Take.");
    }
}

/// <summary>A typed query grouped by one column: <c>table.Where(…).GroupBy(r =&gt; r.Process).CountAsync()</c>.</summary>
public sealed class GroupedQuery<T, TKey> where T : new()
{
    private readonly TableQuery<T> _query;
    private readonly string _column;

    internal GroupedQuery(TableQuery<T> query, string column)
    {
        _query = query;
        _column = column;
    }

    /// <summary>Number of rows per group, sorted by key (a null key first when present).</summary>
    public async Task<List<(TKey? Key, long Count)>> CountAsync(CancellationToken cancellationToken = default)
    {
        var set = await AggregateAsync([Aggregate.Count()], cancellationToken).ConfigureAwait(false);
        return set.Rows.Select(r => (TableQuery<T>.ToClr<TKey>(_column, r[0]), (long)r[1]!)).ToList();
    }

    /// <summary>
    /// Computes <paramref name="aggregates"/> per group; the result's first column is the key (as
    /// stored), then one column per aggregate named by <see cref="Aggregate.OutputName"/>.
    /// </summary>
    public Task<RowSet> AggregateAsync(Aggregate[] aggregates, CancellationToken cancellationToken = default)
        => _query.Table.AggregateAsync(new AggregateQuery(aggregates, _query.Filter, [_column]), cancellationToken);
}

/// <summary>A typed query whose rows are projected to <typeparamref name="TResult"/>; only the columns the projection reads are fetched.</summary>
public sealed class ProjectedQuery<T, TResult> where T : new()
{
    private readonly TableQuery<T> _query;
    private readonly string[] _columns;
    private readonly Func<T, TResult> _projection;

    internal ProjectedQuery(TableQuery<T> query, string[] columns, Func<T, TResult> projection)
    {
        _query = query;
        _columns = columns;
        _projection = projection;
    }

    /// <summary>The columns fetched.</summary>
    public IReadOnlyList<string> Columns => _columns;

    /// <summary>Runs the query and projects every row.</summary>
    public async Task<List<TResult>> ToListAsync(CancellationToken cancellationToken = default)
    {
        var set = await _query.Table.SelectRawAsync(_query.ToSelectQuery(_columns), cancellationToken).ConfigureAwait(false);
        return RowMapper<T>.Instance.FromRowSet(set).Select(_projection).ToList();
    }
}
