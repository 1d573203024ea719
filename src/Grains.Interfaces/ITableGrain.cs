namespace DocTable.Orleans;

/// <summary>
/// A table: one activation per table name cluster-wide, the only connection to its SQLite file.
/// Writes of concurrent callers share transactions (group commit); every write returns once the
/// transaction that holds it has committed, and calls of one caller run in the order they were made.
/// </summary>
[Alias("doctable.ITableGrain")]
public interface ITableGrain : IGrainWithStringKey
{
    /// <summary>
    /// Opens the table. With <paramref name="expected"/>, creates the table if it is missing, checks a
    /// stored schema against it (throwing <see cref="SchemaMismatchException"/> naming the column) and
    /// adds missing nullable or defaulted columns. Without, opens an existing table or throws
    /// <see cref="UnknownTableException"/>. Returns the stored schema.
    /// </summary>
    [Alias("Open")]
    Task<TableSchema> OpenAsync(TableSchema? expected, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inserts a batch and returns once it is committed; one bad row rejects the whole batch and
    /// nothing of it is written. With a producer id and sequence in <paramref name="options"/>, a
    /// batch already stored is skipped and reported as a duplicate.
    /// </summary>
    [Alias("Insert")]
    Task<WriteResult> InsertAsync(RowBatch batch, InsertOptions options, CancellationToken cancellationToken = default);

    /// <summary>
    /// Inserts every row of <paramref name="rows"/> as a write of its own — its own validation, its own
    /// result or typed error — in order, in one call: how a client sends the single-row inserts of
    /// many concurrent callers without one grain call per row. A bad row fails alone; the others are
    /// stored. Returns once the rows are committed.
    /// </summary>
    [Alias("InsertEach")]
    Task<InsertEachResult> InsertEachAsync(RowBatch rows, InsertOptions options, CancellationToken cancellationToken = default);

    /// <summary>Returns the rows selected by <paramref name="query"/>.</summary>
    [Alias("Select")]
    Task<RowSet> SelectAsync(SelectQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Computes <see cref="AggregateQuery.Aggregates"/> over the matching rows, grouped by
    /// <see cref="AggregateQuery.GroupBy"/>. Every column and function is validated; no SQL text is taken.
    /// </summary>
    [Alias("Aggregate")]
    Task<RowSet> AggregateAsync(AggregateQuery query, CancellationToken cancellationToken = default);

    /// <summary>Counts rows matching <paramref name="where"/> (all rows when null).</summary>
    [Alias("Count")]
    Task<long> CountAsync(Filter? where, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets <paramref name="values"/> on the rows matching <paramref name="where"/>, and the updated
    /// timestamp. Updating every row needs <paramref name="allRows"/> = true and no filter.
    /// </summary>
    [Alias("Update")]
    Task<WriteResult> UpdateAsync(Dictionary<string, object?> values, Filter? where, bool allRows, CancellationToken cancellationToken = default);

    /// <summary>Deletes rows matching <paramref name="where"/>; deleting every row needs <paramref name="allRows"/> = true and no filter.</summary>
    [Alias("Delete")]
    Task<WriteResult> DeleteAsync(Filter? where, bool allRows, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reconciles the table's file folder with its file-backed columns under the table's write lock:
    /// deletes files no row refers to and reports rows whose file is missing.
    /// </summary>
    [Alias("Clean")]
    Task<CleanReport> CleanAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// What the table has stored for <paramref name="producerId"/>: every sequence number up to
    /// <see cref="ProducerProgress.Contiguous"/>, and the ones above it listed in
    /// <see cref="ProducerProgress.Above"/>. Read from the file, so it is true even after another
    /// process or silo wrote; a producer resuming after a crash sends everything else again.
    /// </summary>
    [Alias("GetProducerProgress")]
    Task<ProducerProgress> GetProducerProgressAsync(string producerId, CancellationToken cancellationToken = default);

    /// <summary>Counters of this activation: commits, rows written, pending rows and their bound.</summary>
    [Alias("GetStats")]
    Task<TableStats> GetStatsAsync(CancellationToken cancellationToken = default);
}

/// <summary>What <see cref="ITableGrain.InsertEachAsync"/> did with each row.</summary>
/// <param name="Ids">The id of each row (0 where it failed, or where OnConflict.Ignore skipped it).</param>
/// <param name="Errors">Null when every row was stored; else the typed error of each row that failed (null for the others).</param>
[GenerateSerializer, Immutable, Alias("doctable.InsertEachResult")]
public sealed record InsertEachResult([property: Id(0)] long[] Ids, [property: Id(1)] Exception?[]? Errors = null)
{
    /// <summary>Rows stored.</summary>
    public long Stored => Errors is null ? Ids.Count(id => id != 0) : Ids.Where((id, i) => Errors[i] is null && id != 0).Count();
}

/// <summary>The sequence numbers a table holds for one producer.</summary>
/// <param name="Contiguous">Every sequence from 1 to this one is stored (0: none).</param>
/// <param name="Above">Stored sequences above <paramref name="Contiguous"/> (batches that overtook a missing one), ascending.</param>
[GenerateSerializer, Immutable, Alias("doctable.ProducerProgress")]
public sealed record ProducerProgress([property: Id(0)] long Contiguous, [property: Id(1)] long[] Above)
{
    /// <summary>True when the table holds batch <paramref name="sequence"/>.</summary>
    public bool Holds(long sequence) => sequence <= Contiguous || Array.BinarySearch(Above, sequence) >= 0;
}

/// <summary>Counters of one table activation since it was activated.</summary>
/// <param name="Table">The table.</param>
/// <param name="Commits">Transactions committed.</param>
/// <param name="RowsInserted">Rows inserted.</param>
/// <param name="Writes">Write calls (insert, update, delete) that completed.</param>
/// <param name="PendingRows">Rows admitted and not yet committed, now.</param>
/// <param name="PeakPendingRows">The most rows ever admitted and not yet committed at once.</param>
/// <param name="Cancelled">Calls whose caller cancelled before the table started them: they never ran.</param>
/// <param name="MaxPendingRows">The bound on admitted rows; further writers wait.</param>
/// <param name="Silo">The silo hosting the activation.</param>
/// <param name="Activation">The activation's id (a new one after every re-activation).</param>
[GenerateSerializer, Immutable, Alias("doctable.TableStats")]
public sealed record TableStats(
    [property: Id(0)] string Table,
    [property: Id(1)] long Commits,
    [property: Id(2)] long RowsInserted,
    [property: Id(3)] long Writes,
    [property: Id(4)] long PendingRows,
    [property: Id(5)] long PeakPendingRows,
    [property: Id(9)] long Cancelled,
    [property: Id(6)] long MaxPendingRows,
    [property: Id(7)] string Silo,
    [property: Id(8)] string Activation);
