using Microsoft.Extensions.Logging;

namespace DocTable.Orleans.Grains;

/// <summary>
/// DocTable's QueueInserter as a grain: buffers one producer's rows for one table and writes them to
/// the table grain in chunks of <c>ChunkSize</c> — when a chunk is full, when rows have waited
/// <c>FlushInterval</c> (a grain timer), on <see cref="FlushAsync"/>, and when it deactivates (idle or
/// silo shutdown). A flush returns once the table has committed the chunk. A verbose inserter tells
/// the inserting process's observer "Inserting N records." before each chunk.
/// </summary>
public sealed class QueueInserterGrain(LocalQueueInserters registry, ILogger<QueueInserterGrain> logger) : Grain, IQueueInserterGrain
{
    private QueueInserterOptions? _options;
    private List<object?[]> _buffer = [];
    private long _oldestTick;
    private IGrainTimer? _timer;
    private Exception? _timerError;

    /// <inheritdoc/>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        registry.Add(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task<int> InsertAsync(RowBatch rows, QueueInserterOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (!options.SameSettings(_options)) await ConfigureAsync(options, cancellationToken);
        ThrowTimerError();
        var settings = _options!;
        if (!rows.Columns.AsSpan().SequenceEqual(settings.Columns))
            throw new MalformedMessageException($"Rows for columns ({string.Join(", ", rows.Columns)}) reached an inserter of ({string.Join(", ", settings.Columns)}); nothing was queued.");
        foreach (var row in rows.Rows)
            if (row is null || row.Length != settings.Columns.Length)
                throw new MalformedMessageException($"A row has {row?.Length ?? 0} values for {settings.Columns.Length} columns; nothing of the call was queued.");
        if (_buffer.Count == 0 && rows.Count > 0) _oldestTick = Environment.TickCount64;
        _buffer.AddRange(rows.Rows);
        while (_buffer.Count >= settings.ChunkSize) await WriteChunkAsync(settings.ChunkSize, cancellationToken);
        return _buffer.Count;
    }

    /// <inheritdoc/>
    public async Task<int> FlushAsync(CancellationToken cancellationToken = default)
    {
        ThrowTimerError();
        var written = 0;
        while (_buffer.Count > 0 && _options is { } settings)
            written += await WriteChunkAsync(settings.ChunkSize, cancellationToken);
        return written;
    }

    /// <inheritdoc/>
    public Task<int> GetPendingAsync(CancellationToken cancellationToken = default) => Task.FromResult(_buffer.Count);

    /// <summary>Flushes what waits; a failure is logged, since nobody is left to receive it.</summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        _timerError = null; // already logged; the rows still waiting must be flushed regardless
        var rows = _buffer.Count;
        try
        {
            await FlushAsync(CancellationToken.None);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Queue inserter {Key} could not flush {Rows} rows on deactivation ({Reason})", this.GetPrimaryKeyString(), rows, reason);
        }
        finally
        {
            registry.Remove(this.GetPrimaryKeyString());
        }
    }

    /// <summary>Takes <paramref name="options"/>; rows waiting under other settings are written first.</summary>
    private async Task ConfigureAsync(QueueInserterOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        Identifier.Validate(options.Table, "table");
        if (options.Columns is null) throw new MalformedMessageException("A queue inserter needs its column list.");
        foreach (var column in options.Columns) Identifier.Validate(column, "column");
        if (options.ChunkSize < 1) throw new ArgumentOutOfRangeException(nameof(options), options.ChunkSize, "ChunkSize must be at least 1.");
        if (options.FlushInterval is { } every && every <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), every, "FlushInterval must be positive.");
        if (_options is not null && _buffer.Count > 0) await FlushAsync(cancellationToken);
        _options = options;
        _timer?.Dispose();
        _timer = null;
        if (options.FlushInterval is { } interval)
        {
            // Checked a few times per interval, so rows wait at most about 1.25 intervals.
            var period = TimeSpan.FromMilliseconds(Math.Clamp(interval.TotalMilliseconds / 4, 5, 1000));
            _timer = this.RegisterGrainTimer(OnTimerAsync, new GrainTimerCreationOptions(period, period) { KeepAlive = false, Interleave = false });
        }
    }

    /// <summary>Writes the oldest <paramref name="chunkSize"/> rows (or all, if fewer) and waits for their commit.</summary>
    private async Task<int> WriteChunkAsync(int chunkSize, CancellationToken cancellationToken)
    {
        var settings = _options!;
        List<object?[]> rows;
        if (_buffer.Count <= chunkSize)
        {
            rows = _buffer;
            _buffer = new List<object?[]>(Math.Min(chunkSize, 4096));
        }
        else
        {
            rows = _buffer.GetRange(0, chunkSize);
            _buffer.RemoveRange(0, chunkSize);
            _oldestTick = Environment.TickCount64;
        }
        if (settings.Verbose && settings.Observer is { } observer) await TellAsync(observer, settings.Table, rows.Count);
        var table = GrainFactory.GetGrain<ITableGrain>(settings.Table);
        await table.InsertAsync(new RowBatch(settings.Columns, rows), InsertOptions.Default, cancellationToken);
        return rows.Count;
    }

    /// <summary>Tells the inserting process about a chunk; an observer that is gone does not stop the flush.</summary>
    private async Task TellAsync(IQueueInserterObserver observer, string table, int rows)
    {
        try
        {
            await observer.InsertingAsync(table, rows).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e)
        {
            logger.LogDebug(e, "Queue inserter {Key}: its observer did not take 'Inserting {Rows} records.'", this.GetPrimaryKeyString(), rows);
        }
    }

    /// <summary>
    /// Time trigger. Nobody waits on a timer flush, so its failure (e.g. a chunk the table rejected)
    /// is kept and thrown to the next caller instead of vanishing.
    /// </summary>
    private async Task OnTimerAsync(CancellationToken cancellationToken)
    {
        if (_buffer.Count > 0 && _timerError is null && _options?.FlushInterval is { } interval
            && Environment.TickCount64 - _oldestTick >= (long)interval.TotalMilliseconds)
        {
            var rows = _buffer.Count;
            try
            {
                await FlushAsync(cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Queue inserter {Key}: timed flush of {Rows} rows failed", this.GetPrimaryKeyString(), rows);
                _timerError = e;
            }
        }
    }

    /// <summary>Throws (once) the error of a failed timed flush, so the producer learns that those rows were rejected.</summary>
    private void ThrowTimerError()
    {
        if (_timerError is not { } error) return;
        _timerError = null;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }
}
