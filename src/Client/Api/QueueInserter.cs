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
    private Task? _configured;

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
        // Once configured, the grain call's own task is the result: no async frame per row.
        return _configured is { IsCompletedSuccessfully: true }
            ? InsertConfiguredAsync(values, cancellationToken)
            : CallConfiguredAsync(ct => _grain.InsertRowAsync(values, ct), cancellationToken);
    }

    /// <summary>The fast path once configured; a grain that forgot its settings (idle) is configured again.</summary>
    private Task InsertConfiguredAsync(object?[] values, CancellationToken cancellationToken)
    {
        var call = _grain.InsertRowAsync(values, cancellationToken);
        return call.IsCompletedSuccessfully ? call : RetryIfNotConfiguredAsync(call, values, cancellationToken);
    }

    private async Task RetryIfNotConfiguredAsync(Task call, object?[] values, CancellationToken cancellationToken)
    {
        try
        {
            await call.ConfigureAwait(false);
        }
        catch (NotConfiguredException)
        {
            _configured = null;
            await CallConfiguredAsync(ct => _grain.InsertRowAsync(values, ct), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Queues many rows; whole chunks are committed before it completes.</summary>
    public async Task InsertManyAsync(IEnumerable<T> rows, CancellationToken cancellationToken = default)
    {
        var values = rows.Select(_mapper.ToStorageRow).ToList();
        await CallConfiguredAsync(ct => _grain.InsertAsync(values, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes every buffered row and waits for the commit (DocTable's <c>dump()</c>). Returns rows written.</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_configured is null) return 0;
        await EnsureConfiguredAsync(cancellationToken).ConfigureAwait(false);
        return await _grain.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Rows buffered and not yet written.</summary>
    public Task<int> GetPendingAsync(CancellationToken cancellationToken = default) => _grain.GetPendingAsync(cancellationToken);

    /// <summary>Flushes.</summary>
    public async ValueTask DisposeAsync() => await FlushAsync().ConfigureAwait(false);

    /// <summary>
    /// Runs a call on the configured grain. The grain forgets its settings when it deactivates (idle
    /// timeout); it then refuses the call untouched, so configure it again and retry once.
    /// </summary>
    private async Task CallConfiguredAsync(Func<CancellationToken, Task> call, CancellationToken cancellationToken)
    {
        await EnsureConfiguredAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await call(cancellationToken).ConfigureAwait(false);
        }
        catch (NotConfiguredException)
        {
            _configured = null;
            await EnsureConfiguredAsync(cancellationToken).ConfigureAwait(false);
            await call(cancellationToken).ConfigureAwait(false);
        }
    }

    private Task EnsureConfiguredAsync(CancellationToken cancellationToken)
    {
        if (_configured is { IsCompletedSuccessfully: true }) return Task.CompletedTask;
        return _configured = ConfigureAsync(cancellationToken);
    }

    private async Task ConfigureAsync(CancellationToken cancellationToken)
    {
        await _table.OpenAsync(cancellationToken).ConfigureAwait(false);
        await _grain.ConfigureAsync(_options, cancellationToken).ConfigureAwait(false);
    }
}
