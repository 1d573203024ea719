namespace DocTable.Orleans;

/// <summary>
/// DocTable's <c>get_queueinserter(chunk_size=…)</c>: a handle on the producer's queue-inserter grain
/// for one table. Rows are written in chunks: when a chunk is full (the insert that fills it returns
/// once the chunk is committed), when the flush interval passes, on <see cref="FlushAsync"/>, on
/// <see cref="DisposeAsync"/>, and when the grain deactivates or its silo shuts down.
/// <para>
/// Rows reach the grain in hand-overs, not one call per row: a row is added here, and one call at a
/// time carries every row added since the previous call returned. So a fast producer pays one grain
/// call per many rows, and rows never stay here longer than one call takes.
/// </para>
/// <para>
/// Errors are thrown to the calls that wait for a chunk: the inserts whose hand-over filled it, and
/// the next <see cref="FlushAsync"/> (or <see cref="DisposeAsync"/>) when no such insert was told. An
/// insert that only adds rows never throws an earlier chunk's error. An error says that a chunk failed,
/// not which rows: a chunk holds the rows of every insert since the previous one. When the table rejects a chunk's rows
/// (<see cref="ConstraintViolationException"/>, a wrong type, …) that chunk is dropped. When its write
/// fails for a reason that may pass (<see cref="StorageException"/> such as a full disk,
/// <see cref="TableUnavailableException"/>, a timeout), its rows stay pending in the inserter's grain:
/// do not add them again; a later <see cref="FlushAsync"/> writes them, exactly once. That holds while
/// the grain lives: if it is deactivated (idle, or its silo stops) while the table still fails, its
/// last flush fails and the silo logs the rows as lost; and a hand-over whose call fails on its way
/// (the grain's silo died) may or may not have delivered its rows.
/// </para>
/// </summary>
public sealed class QueueInserter<T> : IAsyncDisposable where T : new()
{
    private readonly Table<T> _table;
    private readonly IQueueInserterGrain _grain;
    private readonly RowMapper<T> _mapper = RowMapper<T>.Instance;
    private readonly QueueInserterOptions _baseOptions;
    private readonly DocTableClient? _verboseClient;
    private readonly object _gate = new();
    private QueueInserterOptions? _options;
    private VerbosePrinter? _printer;         // held here: Orleans keeps only a weak reference to an observer
    private List<object?[]> _rows = [];       // added, not yet handed over
    private int _handing;                     // rows in the hand-over call now running
    private int _grainPending;                // rows the grain held after the last hand-over
    private TaskCompletionSource? _idle;      // set while hand-overs run; completes when all rows are handed over
    private TaskCompletionSource<Exception?> _next = NewHandOver();   // answered (with its error, if any) by the hand-over that takes the rows now in _rows
    private Task<Exception?> _running = Task.FromResult<Exception?>(null);  // answered by the hand-over in flight
    private Exception? _unseen;               // a failed hand-over's error no caller has been told yet
    private Task? _opened;

    internal QueueInserter(Table<T> table, IQueueInserterGrain grain, QueueInserterOptions options, DocTableClient? verboseClient)
    {
        _table = table;
        _grain = grain;
        _baseOptions = options;
        _verboseClient = verboseClient;
    }

    /// <summary>Rows per chunk.</summary>
    public int ChunkSize => _baseOptions.ChunkSize;

    /// <summary>
    /// Adds one row. It returns at once, unless the row fills a chunk: then it returns once that chunk
    /// is committed, or throws that chunk's error. A call cancelled before it starts adds nothing; one
    /// cancelled while it waits for its chunk has added its row (it will be written).
    /// </summary>
    public Task InsertAsync(T row, CancellationToken cancellationToken = default)
    {
        var values = _mapper.ToStorageRow(row);
        if (_opened is not { IsCompletedSuccessfully: true }) return OpenAndAddAsync([values], cancellationToken);
        return Add(values, null, cancellationToken);
    }

    /// <summary>Adds many rows; whole chunks are committed before it completes.</summary>
    public Task InsertManyAsync(IEnumerable<T> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var values = rows.Select(_mapper.ToStorageRow).ToList();
        return OpenAndAddAsync(values, cancellationToken);
    }

    /// <summary>
    /// Writes every row added so far and waits for the commit (DocTable's <c>dump()</c>). Returns the
    /// rows the grain wrote. Throws the error of a hand-over no caller was told of, or of this flush.
    /// </summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_opened is null) return 0;
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        await HandedOverAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (_unseen is { } error)
            {
                _unseen = null;
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
            }
        }
        return await _grain.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Rows added and not yet written.</summary>
    public async Task<int> GetPendingAsync(CancellationToken cancellationToken = default)
    {
        await HandedOverAsync(cancellationToken).ConfigureAwait(false);
        return await _grain.GetPendingAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Flushes, then stops the verbose observer.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            if (_printer is not null && _options?.Observer is { } observer)
                _verboseClient!.GrainFactory.DeleteObjectReference<IQueueInserterObserver>(observer);
        }
    }

    private async Task OpenAndAddAsync(List<object?[]> rows, CancellationToken cancellationToken)
    {
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        await Add(null, rows, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Adds one <paramref name="row"/> or many <paramref name="rows"/> (no list per row on the hot path).
    /// A cancelled call adds nothing. A call whose rows fill a chunk waits for the hand-over that carries
    /// them (the grain writes full chunks before it answers), not for rows other callers add later, and
    /// throws that hand-over's error.
    /// </summary>
    private Task Add(object?[]? row, List<object?[]>? rows, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return Task.FromCanceled(cancellationToken);
        bool start, full;
        Task<Exception?> carrying;
        lock (_gate)
        {
            if (row is not null) _rows.Add(row);
            else _rows.AddRange(rows!);
            start = _idle is null;
            if (start)
            {
                _idle = NewSignal();
                QueueInserterHandOvers.Track(_idle.Task);
            }
            full = _grainPending + _handing + _rows.Count >= _baseOptions.ChunkSize;
            carrying = _next.Task;
        }
        if (start) _ = HandOverAsync();
        return full ? AnsweredAsync(carrying, cancellationToken) : Task.CompletedTask;
    }

    /// <summary>Hands the added rows to the grain, one call at a time, until none are left.</summary>
    private async Task HandOverAsync()
    {
        while (true)
        {
            List<object?[]> rows;
            TaskCompletionSource<Exception?> answered;
            lock (_gate)
            {
                if (_rows.Count == 0)
                {
                    var idle = _idle!;
                    _idle = null;
                    idle.TrySetResult();
                    return;
                }
                rows = _rows;
                _rows = [];
                _handing = rows.Count;
                answered = _next;
                _next = NewHandOver();
                _running = answered.Task;
            }
            int? pending = null;
            Exception? error = null;
            try
            {
                pending = await _grain.InsertAsync(new RowBatch(_baseOptions.Columns, rows), _options!, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                error = e;
            }
            lock (_gate)
            {
                if (pending is { } held) _grainPending = held;
                if (error is not null) _unseen = error;
                _handing = 0;
            }
            answered.TrySetResult(error);
        }
    }

    /// <summary>Completes when every row added so far has been handed over (and every full chunk committed), failed or not.</summary>
    private Task HandedOverAsync(CancellationToken cancellationToken)
    {
        Task<Exception?> last;
        lock (_gate) last = _rows.Count > 0 ? _next.Task : _running;
        return last.WaitAsync(cancellationToken);
    }

    /// <summary>Waits for <paramref name="handOver"/> to be answered and throws its error, which its callers have then been told.</summary>
    private async Task AnsweredAsync(Task<Exception?> handOver, CancellationToken cancellationToken)
    {
        if (await handOver.WaitAsync(cancellationToken).ConfigureAwait(false) is not { } error) return;
        lock (_gate)
        {
            if (ReferenceEquals(_unseen, error)) _unseen = null;
        }
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static TaskCompletionSource<Exception?> NewHandOver() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Opens (creates or checks) the table once, and sets up the verbose observer.</summary>
    private Task EnsureOpenAsync(CancellationToken cancellationToken)
    {
        if (_opened is { IsCompletedSuccessfully: true }) return Task.CompletedTask;
        if (_options is null)
        {
            var options = _baseOptions;
            if (_verboseClient is not null)
            {
                _printer = new VerbosePrinter(_verboseClient.VerboseOutput);
                options = options with { Observer = _verboseClient.GrainFactory.CreateObjectReference<IQueueInserterObserver>(_printer) };
            }
            _options = options;
        }
        return _opened = _table.OpenAsync(cancellationToken);
    }

    /// <summary>Prints DocTable's "Inserting N records." in this process when the grain writes a chunk.</summary>
    private sealed class VerbosePrinter(TextWriter output) : IQueueInserterObserver
    {
        public Task InsertingAsync(string table, int rows)
        {
            output.WriteLine($"Inserting {rows} records.");
            return Task.CompletedTask;
        }
    }
}
