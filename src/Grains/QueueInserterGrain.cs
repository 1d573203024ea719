using Microsoft.Extensions.Logging;

namespace DocTable.Orleans.Grains;

/// <summary>
/// DocTable's QueueInserter as a grain: buffers one producer's rows for one table and writes them to
/// the table grain in chunks of <c>ChunkSize</c> — when a chunk is full, when rows have waited
/// <c>FlushInterval</c> (a grain timer), on <see cref="FlushAsync"/>, and when it deactivates (idle or
/// silo shutdown). A flush returns once the table has committed the chunk. A verbose inserter tells
/// the inserting process's observer "Inserting N records." before each chunk.
/// <para>
/// A chunk leaves the buffer only once the table has answered for it. Each chunk is sent under this
/// activation's producer id with a sequence number of its own, fixed when the chunk is cut: a chunk
/// whose write failed for a reason that may pass (a timeout, a silo or the catalog down, a full disk)
/// stays at the head and is sent again with the same sequence, so it is stored exactly once whether or
/// not the failed attempt had committed. A chunk the table rejects (a constraint, a wrong type) is
/// dropped, and the error goes to the caller (or, for a timed flush, to the next <see cref="FlushAsync"/>).
/// The timer tries a kept chunk again at most once per flush interval (and at least a second apart).
/// </para>
/// </summary>
public sealed class QueueInserterGrain(LocalQueueInserters registry, ILogger<QueueInserterGrain> logger) : Grain, IQueueInserterGrain
{
    private QueueInserterOptions? _options;
    private List<object?[]> _buffer = [];
    private long _oldestTick;
    private IGrainTimer? _timer;
    private Exception? _timerError;           // a chunk a timed flush had to drop, for the next FlushAsync
    private long _failedTick;                 // when the kept chunk's last write failed (0: it has not)
    private string? _producerId;              // this activation's producer id: grain key + "#" + a fresh id
    private long _sequence;                   // the last sequence given to a chunk
    private Chunk? _unsent;                   // a cut chunk whose write has not been answered yet

    /// <summary>Rows cut from the head of the buffer, with the sequence they are always sent under.</summary>
    private sealed record Chunk(List<object?[]> Rows, long Sequence);

    /// <inheritdoc/>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        registry.Add(this.GetPrimaryKeyString());
        _producerId = this.GetPrimaryKeyString() + "#" + Guid.NewGuid().ToString("N");
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public async Task<int> InsertAsync(RowBatch rows, QueueInserterOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (!options.SameSettings(_options)) await ConfigureAsync(options, cancellationToken);
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
        var written = await WriteAllAsync(cancellationToken);
        ThrowTimerError();
        return written;
    }

    /// <summary>Writes the unsent chunk and every buffered row, chunk by chunk; returns the rows written.</summary>
    private async Task<int> WriteAllAsync(CancellationToken cancellationToken)
    {
        var written = 0;
        while ((_unsent is not null || _buffer.Count > 0) && _options is { } settings)
            written += await WriteChunkAsync(settings.ChunkSize, cancellationToken);
        return written;
    }

    /// <inheritdoc/>
    public Task<int> GetPendingAsync(CancellationToken cancellationToken = default) => Task.FromResult(Pending);

    /// <summary>Rows not yet written: the unsent chunk and the buffer.</summary>
    private int Pending => (_unsent?.Rows.Count ?? 0) + _buffer.Count;

    /// <summary>Flushes what waits; a failure is logged, since nobody is left to receive it.</summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _timer?.Dispose();
        try
        {
            // A chunk the table rejects is dropped: the chunks behind it are still written.
            while (Pending > 0)
            {
                var rows = Pending;
                try
                {
                    await WriteAllAsync(CancellationToken.None);
                }
                catch (Exception e) when (!MayPass(e))
                {
                    logger.LogError(e, "Queue inserter {Key}: a chunk was rejected on deactivation ({Reason}) and dropped; {Rows} rows were waiting", this.GetPrimaryKeyString(), reason, rows);
                }
            }
        }
        catch (Exception e)
        {
            logger.LogError(e, "Queue inserter {Key} could not flush {Rows} rows on deactivation ({Reason}); they are lost", this.GetPrimaryKeyString(), Pending, reason);
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
        if (_options is not null && Pending > 0) await WriteAllAsync(cancellationToken);
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

    /// <summary>
    /// Writes the unsent chunk, or else cuts the oldest <paramref name="chunkSize"/> rows (or all, if
    /// fewer) into a new one, and waits for its commit. The chunk stays unsent, to be sent again under
    /// the same sequence, unless the table stored it or rejected its rows.
    /// </summary>
    private async Task<int> WriteChunkAsync(int chunkSize, CancellationToken cancellationToken)
    {
        var settings = _options!;
        if (_unsent is null)
        {
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
            _unsent = new Chunk(rows, ++_sequence);
        }
        var chunk = _unsent;
        if (settings.Verbose && settings.Observer is { } observer) await TellAsync(observer, settings.Table, chunk.Rows.Count);
        var table = GrainFactory.GetGrain<ITableGrain>(settings.Table);
        try
        {
            await table.InsertAsync(new RowBatch(settings.Columns, chunk.Rows), new InsertOptions(OnConflict.Fail, _producerId, chunk.Sequence), cancellationToken);
        }
        catch (Exception e) when (MayPass(e))
        {
            _failedTick = Environment.TickCount64;   // kept: the timer waits a while before it tries again
            throw;
        }
        catch (Exception)
        {
            // The table's answer about these rows: sending them again cannot help. Nothing of the chunk
            // is stored, so its sequence goes to the next chunk: no gap, and the table's watermark moves on.
            _unsent = null;
            _sequence = chunk.Sequence - 1;
            _failedTick = 0;
            throw;
        }
        _unsent = null;
        if (_failedTick != 0)
        {
            _failedTick = 0;
            logger.LogInformation("Queue inserter {Key}: a kept chunk of {Rows} rows was written after all", this.GetPrimaryKeyString(), chunk.Rows.Count);
        }
        return chunk.Rows.Count;
    }

    /// <summary>
    /// True for failures that may pass — of the disk, the table's group, the catalog, a silo or the
    /// connection, a timeout — after which the same chunk can be stored. Anything else (the table
    /// refused the rows: a constraint, a wrong type, a missing file) drops the chunk.
    /// </summary>
    private static bool MayPass(Exception e)
        => e is StorageException or ClusterUnavailableException || TransientErrors.Is(e);

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
    /// Time trigger; it also tries a kept chunk again, at most once per interval (at least a second
    /// apart). Nobody waits on a timer flush: a chunk it had to drop is reported by the next
    /// <see cref="FlushAsync"/> instead of vanishing (an insert never throws it: it would read as the
    /// insert's own failure); a failure that may pass is not reported, since the rows are kept.
    /// </summary>
    private async Task OnTimerAsync(CancellationToken cancellationToken)
    {
        if (Pending == 0 || _options?.FlushInterval is not { } interval) return;
        var now = Environment.TickCount64;
        var due = _unsent is not null
            ? now - _failedTick >= Math.Max((long)interval.TotalMilliseconds, 1000)
            : now - _oldestTick >= (long)interval.TotalMilliseconds;
        if (!due) return;
        var rows = Pending;
        var failing = _failedTick != 0;
        try
        {
            await WriteAllAsync(cancellationToken);
        }
        catch (Exception e) when (MayPass(e))
        {
            // Kept, tried again later; said once, not at every retry.
            if (!failing) logger.LogWarning(e, "Queue inserter {Key}: timed flush of {Rows} rows failed; the rows are kept and tried again", this.GetPrimaryKeyString(), rows);
            else logger.LogDebug(e, "Queue inserter {Key}: a kept chunk failed again", this.GetPrimaryKeyString());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Queue inserter {Key}: a chunk of a timed flush was rejected and dropped", this.GetPrimaryKeyString());
            _timerError ??= e;   // the first dropped chunk stays reported until a flush has told it
        }
    }

    /// <summary>Throws (once) the error of a failed timed flush, so the producer learns what happened to those rows.</summary>
    private void ThrowTimerError()
    {
        if (_timerError is not { } error) return;
        _timerError = null;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }
}
