namespace DocTable.Orleans;

/// <summary>
/// A handle on a producer's queue-inserter grain for one table. Rows are flushed when a chunk is
/// full, when the flush interval passes, on <see cref="FlushAsync"/>, on <see cref="DisposeAsync"/>,
/// and when the grain deactivates or the silo shuts down.
/// </summary>
public sealed class QueueInserter<T> : IAsyncDisposable where T : new()
{
    private readonly Table<T> _table;
    private readonly IQueueInserterGrain _grain;
    private readonly QueueInserterOptions _options;
    private readonly RowMapper<T> _mapper = RowMapper<T>.Instance;
    private Task? _opened;

    internal QueueInserter(Table<T> table, IQueueInserterGrain grain, QueueInserterOptions options)
    {
        _table = table;
        _grain = grain;
        _options = options;
    }

    /// <summary>Rows per chunk.</summary>
    public int ChunkSize => _options.ChunkSize;

    /// <summary>Queues one row; when it completes the row is buffered (or, if it filled a chunk, committed).</summary>
    public Task InsertAsync(T row, CancellationToken cancellationToken = default)
    {
        var values = _mapper.ToStorageRow(row);
        // Once the table is open, the grain call's own task is the result: no async frame per row.
        return _opened is { IsCompletedSuccessfully: true }
            ? _grain.InsertRowAsync(values, _options, cancellationToken)
            : OpenAndInsertAsync(values, cancellationToken);
    }

    /// <summary>Queues many rows; whole chunks are committed before it completes.</summary>
    public async Task InsertManyAsync(IEnumerable<T> rows, CancellationToken cancellationToken = default)
    {
        var values = rows.Select(_mapper.ToStorageRow).ToList();
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        await _grain.InsertAsync(values, _options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes every buffered row and waits for the commit (DocTable's <c>dump()</c>). Returns rows written.</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_opened is null) return 0;
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        return await _grain.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Rows buffered and not yet written.</summary>
    public Task<int> GetPendingAsync(CancellationToken cancellationToken = default) => _grain.GetPendingAsync(cancellationToken);

    /// <summary>Flushes.</summary>
    public async ValueTask DisposeAsync() => await FlushAsync().ConfigureAwait(false);

    private async Task OpenAndInsertAsync(object?[] values, CancellationToken cancellationToken)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        await _grain.InsertRowAsync(values, _options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Opens (creates or checks) the table once; the grain takes its settings with every insert.</summary>
    private Task EnsureOpenAsync(CancellationToken cancellationToken)
    {
        if (_opened is { IsCompletedSuccessfully: true }) return Task.CompletedTask;
        return _opened = _table.OpenAsync(cancellationToken);
    }
}
