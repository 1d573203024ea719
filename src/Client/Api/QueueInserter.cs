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
/// Errors are thrown to the calls that wait for a chunk: the inserts whose hand-over filled it, or,
/// when no insert waited, the next <see cref="FlushAsync"/> (or <see cref="DisposeAsync"/>). An
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
    private HandOver _next = new();           // the hand-over that will take the rows now in _rows
    private Task _running = Task.CompletedTask;  // answered by the hand-over in flight
    private readonly Queue<Exception> _unseen = new();  // errors of failed hand-overs no insert was told, for the next flush
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
    /// cancelled while it waits for its chunk has added its row (written with its chunk, unless the
    /// table rejects that chunk; the next flush then reports it).
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
    /// rows the grain wrote. Throws this flush's error; else, once the rows are written, the error of
    /// a chunk or hand-over that failed earlier and that no insert was told of (one per flush).
    /// </summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_opened is null) return 0;
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        await HandedOverAsync(cancellationToken).ConfigureAwait(false);
        var written = await _grain.FlushAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            if (_unseen.TryDequeue(out var error)) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
        }
        return written;
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
        HandOver carrying;
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
            carrying = _next;
            if (full) carrying.Waiters++;
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
            HandOver answered;
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
                _next = new HandOver();
                _running = answered.Done.Task;
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
                if (error is not null && answered.Waiters == 0) _unseen.Enqueue(error);   // nobody to tell now: the next flush
                _handing = 0;
            }
            answered.Done.TrySetResult(error);
        }
    }

    /// <summary>Completes when every row added so far has been handed over (and every full chunk committed), failed or not.</summary>
    private Task HandedOverAsync(CancellationToken cancellationToken)
    {
        Task last;
        lock (_gate) last = _rows.Count > 0 ? _next.Done.Task : _running;
        return last.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Waits, as one of its <see cref="HandOver.Waiters"/>, for <paramref name="handOver"/> to be
    /// answered and throws its error. A waiter that stops waiting (cancelled) leaves an error that no
    /// other waiter was told to the next flush.
    /// </summary>
    private async Task AnsweredAsync(HandOver handOver, CancellationToken cancellationToken)
    {
        Exception? error;
        try
        {
            error = await handOver.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            lock (_gate)
            {
                if (--handOver.Waiters == 0 && !handOver.Told && handOver.Done.Task.IsCompleted && handOver.Done.Task.Result is { } missed)
                    _unseen.Enqueue(missed);
            }
            throw;
        }
        if (error is null) return;
        lock (_gate) handOver.Told = true;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>One hand-over call: its outcome (null or its error) and the inserts waiting to be told it.</summary>
    private sealed class HandOver
    {
        public TaskCompletionSource<Exception?> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        /// <summary>Inserts waiting for this hand-over (under the handle's gate).</summary>
        public int Waiters { get; set; }

        /// <summary>True once a waiter has thrown its error (under the handle's gate).</summary>
        public bool Told { get; set; }
    }

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
