namespace DocTable.Orleans;

/// <summary>Settings of a queue inserter, as DocTable's <c>get_queueinserter(chunk_size=…)</c>.</summary>
/// <param name="Table">Table the rows go to.</param>
/// <param name="Columns">Column order of the rows this inserter receives.</param>
/// <param name="ChunkSize">Flush when this many rows wait.</param>
/// <param name="FlushInterval">Flush when rows have waited this long (null: only on size, flush and shutdown).</param>
/// <param name="Verbose">Report "Inserting N records." to <paramref name="Observer"/> before every flush.</param>
/// <param name="Observer">Where a verbose inserter reports its flushes: an object in the inserting process.</param>
[GenerateSerializer, Immutable, Alias("doctable.QueueInserterOptions")]
public sealed record QueueInserterOptions(
    [property: Id(0)] string Table,
    [property: Id(1)] string[] Columns,
    [property: Id(2)] int ChunkSize = 1000,
    [property: Id(3)] TimeSpan? FlushInterval = null,
    [property: Id(4)] bool Verbose = false,
    [property: Id(5)] IQueueInserterObserver? Observer = null)
{
    /// <summary>True when <paramref name="other"/> asks for the same inserter (columns compared by value).</summary>
    public bool SameSettings(QueueInserterOptions? other)
        => other is not null && (ReferenceEquals(this, other)
            || (Table == other.Table && Columns.AsSpan().SequenceEqual(other.Columns) && ChunkSize == other.ChunkSize
                && FlushInterval == other.FlushInterval && Verbose == other.Verbose && Equals(Observer, other.Observer)));
}

/// <summary>
/// DocTable's QueueInserter as a grain: buffers one producer's rows for one table and writes them to
/// the table grain in chunks — when <c>ChunkSize</c> rows wait, when rows have waited
/// <c>FlushInterval</c> (a grain timer), on <see cref="FlushAsync"/>, and when it deactivates (idle
/// or silo shutdown). Keyed by "producer/table".
/// </summary>
[Alias("doctable.IQueueInserterGrain")]
public interface IQueueInserterGrain : IGrainWithStringKey
{
    /// <summary>
    /// Adds rows (in the column order of <paramref name="options"/>) and writes every full chunk
    /// before returning. The settings travel with every call, so an activation that went idle and
    /// forgot them takes them again; changed settings flush what waits under the old ones first.
    /// Returns the rows still waiting.
    /// </summary>
    [Alias("Insert")]
    Task<int> InsertAsync(RowBatch rows, QueueInserterOptions options, CancellationToken cancellationToken = default);

    /// <summary>Writes every waiting row and waits for the commit. Returns the number of rows written.</summary>
    [Alias("Flush")]
    Task<int> FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>Rows waiting (not yet written).</summary>
    [Alias("GetPending")]
    Task<int> GetPendingAsync(CancellationToken cancellationToken = default);
}

/// <summary>
/// The inserting process's side of a verbose queue inserter: told before every flush, so that
/// "Inserting N records." appears where the rows came from, as in DocTable.
/// </summary>
[Alias("doctable.IQueueInserterObserver")]
public interface IQueueInserterObserver : IGrainObserver
{
    /// <summary>A chunk of <paramref name="rows"/> rows is about to be written to <paramref name="table"/>.</summary>
    [Alias("Inserting"), ResponseTimeout("00:00:05")]
    Task InsertingAsync(string table, int rows);
}
