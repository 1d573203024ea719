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
    private Exception? _error;                // a failed hand-over, thrown to the next call
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
    /// is committed. An error of an earlier chunk (a row the table rejected) is thrown here.
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

    /// <summary>Writes every row added so far and waits for the commit (DocTable's <c>dump()</c>). Returns the rows the grain wrote.</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_opened is null) return 0;
        await EnsureOpenAsync(cancellationToken).ConfigureAwait(false);
        await HandedOverAsync(cancellationToken).ConfigureAwait(false);
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

    /// <summary>Adds one <paramref name="row"/> or many <paramref name="rows"/> (no list per row on the hot path).</summary>
    private Task Add(object?[]? row, List<object?[]>? rows, CancellationToken cancellationToken)
    {
        bool start, full;
        lock (_gate)
        {
            ThrowError();
            if (row is not null) _rows.Add(row);
            else _rows.AddRange(rows!);
            start = _idle is null;
            if (start)
            {
                _idle = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                QueueInserterHandOvers.Track(_idle.Task);
            }
            full = _grainPending + _handing + _rows.Count >= _baseOptions.ChunkSize;
        }
        if (start) _ = HandOverAsync();
        return full ? HandedOverAsync(cancellationToken) : Task.CompletedTask;
    }

    /// <summary>Hands the added rows to the grain, one call at a time, until none are left.</summary>
    private async Task HandOverAsync()
    {
        while (true)
        {
            List<object?[]> rows;
            TaskCompletionSource? idle = null;
            lock (_gate)
            {
                if (_rows.Count == 0)
                {
                    idle = _idle;
                    _idle = null;
                }
                rows = _rows;
                _rows = [];
                _handing = rows.Count;
            }
            if (idle is not null)
            {
                idle.TrySetResult();
                return;
            }
            try
            {
                var pending = await _grain.InsertAsync(new RowBatch(_baseOptions.Columns, rows), _options!, CancellationToken.None).ConfigureAwait(false);
                lock (_gate)
                {
                    _grainPending = pending;
                    _handing = 0;
                }
            }
            catch (Exception e)
            {
                lock (_gate)
                {
                    _error ??= e;
                    _handing = 0;
                }
            }
        }
    }

    /// <summary>Completes when every row added so far has been handed over (and every full chunk committed); throws a hand-over's error.</summary>
    private async Task HandedOverAsync(CancellationToken cancellationToken)
    {
        Task? idle;
        lock (_gate) idle = _idle?.Task;
        if (idle is not null) await idle.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate) ThrowError();
    }

    private void ThrowError()
    {
        if (_error is not { } error) return;
        _error = null;
        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
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
