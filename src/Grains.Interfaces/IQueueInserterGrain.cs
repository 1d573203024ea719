namespace DocTable.Orleans;

/// <summary>Settings of a queue inserter, as DocTable's <c>get_queueinserter(chunk_size=…)</c>.</summary>
/// <param name="Table">Table the rows go to.</param>
/// <param name="Columns">Column order of the rows this inserter receives.</param>
/// <param name="ChunkSize">Flush when this many rows wait.</param>
/// <param name="FlushInterval">Flush when rows have waited this long (null: only on size, flush and shutdown).</param>
/// <param name="Verbose">Print "Inserting N records." on every flush.</param>
public sealed record QueueInserterOptions(string Table, string[] Columns, int ChunkSize = 1000, TimeSpan? FlushInterval = null, bool Verbose = false);

/// <summary>
/// Buffers one producer's rows for one table and flushes them to the table grain in chunks: when
/// <c>ChunkSize</c> rows wait, when <c>FlushInterval</c> passes with rows waiting, on
/// <see cref="FlushAsync"/>, and on deactivation or shutdown. Keyed by "producer/table".
/// </summary>
public interface IQueueInserterGrain : IGrainWithStringKey
{
    /// <summary>Sets (or changes) the inserter's settings; flushes what waits under the old ones first.</summary>
    Task ConfigureAsync(QueueInserterOptions options, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds one row (in the column order of <paramref name="options"/>); flushes a full chunk before
    /// returning. The caller's settings travel with every row (a reference, nothing is copied), so an
    /// activation that went idle and forgot them is configured again on the spot.
    /// </summary>
    Task InsertRowAsync(object?[] row, QueueInserterOptions options, CancellationToken cancellationToken = default);

    /// <summary>Adds rows (in the column order of <paramref name="options"/>); flushes whole chunks before returning.</summary>
    Task InsertAsync(List<object?[]> rows, QueueInserterOptions options, CancellationToken cancellationToken = default);

    /// <summary>Writes every waiting row and waits for the commit. Returns the number of rows written.</summary>
    Task<int> FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>Rows waiting (not yet written).</summary>
    Task<int> GetPendingAsync(CancellationToken cancellationToken = default);
}
