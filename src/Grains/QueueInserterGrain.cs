using Microsoft.Extensions.Logging;

namespace DocTable.Orleans.Grains;

/// <summary>
/// DocTable's QueueInserter as a grain: buffers one producer's rows for one table and writes them to
/// the table grain in chunks — when <c>ChunkSize</c> rows wait, when rows have waited
/// <c>FlushInterval</c>, on <see cref="FlushAsync"/>, and when it deactivates (idle or shutdown).
/// A flush returns once the table has committed the chunk. The buffer never holds more than one chunk.
/// </summary>
public sealed class QueueInserterGrain(VerboseOutput output, ILogger<QueueInserterGrain> logger) : Grain, IQueueInserterGrain
{
    private QueueInserterOptions? _options;
    private List<object?[]> _buffer = [];
    private long _oldestTick;
    private IDisposable? _timer;
    private Exception? _timerError;

    /// <summary>Inserters stop after producers and before tables.</summary>
    public override int ShutdownStage => 50;

    /// <inheritdoc/>
    public async Task ConfigureAsync(QueueInserterOptions options, CancellationToken cancellationToken = default)
    {
        Identifier.Validate(options.Table, "table");
        foreach (var column in options.Columns) Identifier.Validate(column, "column");
        if (options.ChunkSize < 1) throw new ArgumentOutOfRangeException(nameof(options), options.ChunkSize, "ChunkSize must be at least 1.");
        if (options.FlushInterval is { } every && every <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(options), every, "FlushInterval must be positive.");
        if (_options is not null && _options != options) await FlushAsync(cancellationToken);
        _options = options;
        _timer?.Dispose();
        _timer = null;
        if (options.FlushInterval is { } interval)
        {
            var period = TimeSpan.FromMilliseconds(Math.Clamp(interval.TotalMilliseconds / 4, 5, 1000));
            _timer = RegisterTimer(OnTimerAsync, period, period);
        }
    }

    /// <inheritdoc/>
    public async Task InsertRowAsync(object?[] row, QueueInserterOptions options, CancellationToken cancellationToken = default)
    {
        if (!ReferenceEquals(options, _options)) await ConfigureAsync(options, cancellationToken);
        ThrowTimerError();
        CheckWidth(options, row);
        Add(row);
        if (_buffer.Count >= options.ChunkSize) await FlushAsync(cancellationToken);
    }

    /// <inheritdoc/>
    public async Task InsertAsync(List<object?[]> rows, QueueInserterOptions options, CancellationToken cancellationToken = default)
    {
        if (!ReferenceEquals(options, _options)) await ConfigureAsync(options, cancellationToken);
        ThrowTimerError();
        foreach (var row in rows) CheckWidth(options, row);
        foreach (var row in rows)
        {
            Add(row);
            if (_buffer.Count >= options.ChunkSize) await FlushAsync(cancellationToken);
        }
    }

    /// <inheritdoc/>
    public async Task<int> FlushAsync(CancellationToken cancellationToken = default)
    {
        ThrowTimerError();
        if (_buffer.Count == 0 || _options is null) return 0;
        var rows = _buffer;
        _buffer = new List<object?[]>(Math.Min(_options.ChunkSize, 4096));
        if (_options.Verbose) output.Writer.WriteLine($"Inserting {rows.Count} records.");
        var table = GrainFactory.GetGrain<ITableGrain>(_options.Table);
        var result = await table.InsertAsync(new RowBatch(_options.Columns, rows), InsertOptions.Default, cancellationToken);
        await result.Durable;
        return rows.Count;
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
            logger.LogError(e, "Queue inserter {Key} could not flush {Rows} rows on {Reason}", GetPrimaryKeyString(), rows, reason);
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
                logger.LogWarning(e, "Queue inserter {Key}: timed flush of {Rows} rows failed", GetPrimaryKeyString(), rows);
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

    private void Add(object?[] row)
    {
        if (_buffer.Count == 0) _oldestTick = Environment.TickCount64;
        _buffer.Add(row);
    }

    private static void CheckWidth(QueueInserterOptions options, object?[] row)
    {
        if (row is null || row.Length != options.Columns.Length)
            throw new MalformedMessageException($"A row has {row?.Length ?? 0} values for {options.Columns.Length} columns.");
    }
}
