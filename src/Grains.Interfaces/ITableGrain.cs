namespace DocTable.Orleans;

/// <summary>
/// A table: the single owner of its SQLite file's connection in this process. Keyed by table name.
/// Writes arriving while a transaction is open join it (group commit); <see cref="WriteResult.Durable"/>
/// completes when they are committed.
/// </summary>
public interface ITableGrain : IGrainWithStringKey
{
    /// <summary>
    /// Opens the table. With <paramref name="expected"/>, creates the table if it is missing, checks a
    /// stored schema against it (throwing <see cref="SchemaMismatchException"/> naming the column) and
    /// adds missing nullable or defaulted columns. Without, opens an existing table or throws
    /// <see cref="UnknownTableException"/>. Returns the stored schema.
    /// </summary>
    Task<TableSchema> OpenAsync(TableSchema? expected, CancellationToken cancellationToken = default);

    /// <summary>Inserts a batch; one bad row rejects the whole batch and nothing of it is written.</summary>
    Task<WriteResult> InsertAsync(RowBatch batch, InsertOptions options, CancellationToken cancellationToken = default);

    /// <summary>Returns the rows selected by <paramref name="query"/>.</summary>
    Task<RowSet> SelectAsync(SelectQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Computes <see cref="AggregateQuery.Aggregates"/> over the matching rows, grouped by
    /// <see cref="AggregateQuery.GroupBy"/>. Every column and function is validated; no SQL text is taken.
    /// </summary>
    Task<RowSet> AggregateAsync(AggregateQuery query, CancellationToken cancellationToken = default);

    /// <summary>Counts rows matching <paramref name="where"/> (all rows when null).</summary>
    Task<long> CountAsync(Filter? where, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets <paramref name="values"/> on the rows matching <paramref name="where"/>, and the updated
    /// timestamp. Updating every row needs <paramref name="allRows"/> = true and no filter.
    /// </summary>
    Task<WriteResult> UpdateAsync(IReadOnlyDictionary<string, object?> values, Filter? where, bool allRows, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reconciles the table's file folder with its file-backed columns under the table's write lock:
    /// deletes files no row refers to and reports rows whose file is missing.
    /// </summary>
    Task<CleanReport> CleanAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes rows matching <paramref name="where"/>; deleting every row needs <paramref name="allRows"/> = true and no filter.</summary>
    Task<WriteResult> DeleteAsync(Filter? where, bool allRows, CancellationToken cancellationToken = default);
}
