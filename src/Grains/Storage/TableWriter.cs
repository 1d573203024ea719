using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace DocTable.Orleans.Grains.Storage;

/// <summary>
/// Runs every call of one table on a thread of its own, so SQLite's blocking work (an fsync takes
/// milliseconds) never holds an Orleans scheduler thread, and the connection has exactly one user.
/// <para>
/// Calls run in the order they were posted. Writes join the open transaction; the writer commits
/// when no further call waits, or when the transaction is large or old enough, and only then
/// completes the writes (group commit: what arrives during a commit goes into the next transaction).
/// A read, a schema change or a clean first commits what is open, so it sees committed rows only.
/// </para>
/// <para>
/// At most <see cref="DocTableOptions.MaxPendingRows"/> rows are taken in and not yet committed;
/// later calls wait, in order, until earlier ones complete (back-pressure).
/// </para>
/// </summary>
internal sealed class TableWriter
{
    private readonly TableStore _store;
    private readonly DocTableOptions _options;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly Queue<Job> _admitted = new();   // taken in: the writer runs these in order
    private readonly Queue<Job> _waiting = new();    // waiting for room, behind the admitted ones
    private readonly Thread _thread;
    private readonly TableMetrics _metrics;
    private long _pendingRows;
    private long _peakPendingRows;
    private long _rowsInserted;
    private long _writes;
    private bool _closed;

    public TableWriter(TableStore store, DocTableOptions options, ILogger logger)
    {
        _store = store;
        _options = options;
        _logger = logger;
        _metrics = new TableMetrics(store.Table, () => Stats.PendingRows);
        _thread = new Thread(Run) { IsBackground = true, Name = "doctable " + store.Table };
        _thread.Start();
    }

    /// <summary>Counters since the writer started.</summary>
    public WriterStats Stats
    {
        get
        {
            lock (_gate)
                return new(Volatile.Read(ref _commits), Volatile.Read(ref _rowsInserted), Volatile.Read(ref _writes), _pendingRows, _peakPendingRows, Volatile.Read(ref _cancelled));
        }
    }

    private long _commits;
    private long _cancelled;
    private int _queued;   // _admitted.Count, readable without the lock while the writer spins

    /// <summary>How long an idle writer spins before it sleeps (about 100 µs).</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 10_000;

    /// <summary>The longest group commit waits for writers still on their way (about 200 µs).</summary>
    private static readonly long MaxLingerTicks = Stopwatch.Frequency / 5_000;
    private int _lastCommitWrites;
    private long _lastCommitTicks;

    /// <summary>
    /// Runs <paramref name="write"/> inside the open transaction; the task completes with its result
    /// once that transaction has committed, or fails with the typed error of the write or the commit.
    /// <paramref name="rows"/> counts against the pending bound.
    /// </summary>
    public Task<T> WriteAsync<T>(Func<TableStore, T> write, int rows, CancellationToken cancellationToken)
        => Post(new Job<T>(write, isWrite: true, Math.Max(0, rows), cancellationToken));

    /// <summary>Commits what is open, then runs <paramref name="call"/> (a read, a schema change, a clean).</summary>
    public Task<T> CallAsync<T>(Func<TableStore, T> call, CancellationToken cancellationToken)
        => Post(new Job<T>(call, isWrite: false, 0, cancellationToken));

    /// <summary>
    /// Runs everything posted before, commits, checkpoints and closes the file; the thread then ends
    /// and later calls fail. Completes when the file is closed.
    /// </summary>
    public Task CloseAsync()
        => Post(new Job<bool>(store =>
        {
            store.Close();
            return true;
        }, isWrite: false, 0, CancellationToken.None, closes: true));

    private Task<T> Post<T>(Job<T> job)
    {
        // Watched before the writer can see the job, so the registration exists when Start disposes it.
        job.WatchCancellation(() => Interlocked.Increment(ref _cancelled));
        lock (_gate)
        {
            if (_closed)
            {
                job.StopWatching();
                throw new InvalidOperationException($"Table '{_store.Table}' is closed; the call was not run.");
            }
            if (job.Closes) _closed = true;
            if (_waiting.Count == 0 && HasRoom(job.Rows)) Admit(job);
            else _waiting.Enqueue(job);
        }
        return job.Task;
    }

    private bool HasRoom(int rows) => _pendingRows == 0 || _pendingRows + rows <= _options.MaxPendingRows;

    private void Admit(Job job)
    {
        _pendingRows += job.Rows;
        if (_pendingRows > _peakPendingRows) _peakPendingRows = _pendingRows;
        _admitted.Enqueue(job);
        _queued = _admitted.Count;
        if (_admitted.Count == 1) Monitor.Pulse(_gate);
    }

    private void Release(int rows)
    {
        if (rows == 0) return;
        lock (_gate)
        {
            _pendingRows -= rows;
            while (_waiting.Count > 0 && HasRoom(_waiting.Peek().Rows)) Admit(_waiting.Dequeue());
        }
    }

    private void Run()
    {
        var transaction = new List<Job>();
        while (true)
        {
            // Nothing open: wait for work. Something open and nothing queued: null, and commit.
            var job = TakeNext(idle: transaction.Count == 0 && !_store.InTransaction);
            if (job is null)
            {
                if (!AwaitStragglers(transaction.Count)) Commit(transaction);
                continue;
            }
            if (!job.Start())
            {
                Release(job.Rows);   // cancelled while it waited: never run
                continue;
            }
            if (job.IsWrite)
            {
                Write(job, transaction);
                continue;
            }
            Commit(transaction);
            try
            {
                job.Execute(_store);
                job.Complete();
            }
            catch (Exception e)
            {
                job.Fail(_store.Typed(e));
            }
            Release(job.Rows);
            if (job.Closes)
            {
                _metrics.Dispose();
                return;
            }
        }
    }

    /// <summary>
    /// The next call, or null when none is queued and the writer is not <paramref name="idle"/>. An idle
    /// writer first spins briefly, then sleeps until a call is posted: on this kind of machine waking a
    /// sleeping thread takes tens of microseconds, and a caller that sends its next call as soon as the
    /// last one is answered finds the writer still awake.
    /// </summary>
    private Job? TakeNext(bool idle)
    {
        if (idle)
        {
            var spin = new SpinWait();
            var until = Stopwatch.GetTimestamp() + SpinTicks;
            while (Volatile.Read(ref _queued) == 0 && Stopwatch.GetTimestamp() < until) spin.SpinOnce(sleep1Threshold: -1);
        }
        lock (_gate)
        {
            while (idle && _admitted.Count == 0) Monitor.Wait(_gate);
            _admitted.TryDequeue(out var job);
            _queued = _admitted.Count;
            return job;
        }
    }

    /// <summary>
    /// Group commit's one wait: when the last commit carried more writes than the open transaction
    /// holds, writers are still on their way back (a write's caller sends its next one as soon as it is
    /// answered). Waiting a fraction of a commit's time for them puts them in this transaction rather
    /// than the next; a lone writer (or writers that all arrived) never waits. True when one came.
    /// </summary>
    private bool AwaitStragglers(int writes)
    {
        if (writes == 0 || writes >= _lastCommitWrites) return false;
        var until = Stopwatch.GetTimestamp() + Math.Min(MaxLingerTicks, _lastCommitTicks / 4);
        var spin = new SpinWait();
        while (Stopwatch.GetTimestamp() < until)
        {
            if (Volatile.Read(ref _queued) > 0) return true;
            spin.SpinOnce(sleep1Threshold: -1);
        }
        return false;
    }

    private void Write(Job job, List<Job> transaction)
    {
        try
        {
            job.Execute(_store);
            transaction.Add(job);
        }
        catch (TransactionLostException lost)
        {
            // SQLite rolled back the whole transaction: the writes before this one are gone too.
            _logger.LogWarning(lost.Cause, "Table {Table}: the open transaction was rolled back by SQLite; {Writes} earlier writes in it fail too", _store.Table, transaction.Count);
            Fail(job, lost.Cause);
            // A storage fault (a full disk) is theirs too; another cause (this write's bad rows) is not:
            // they are told their write was rolled back with the transaction, a fault that may pass.
            var theirs = lost.Cause as StorageException ?? new StorageException(
                $"Table '{_store.Table}': the transaction holding this write was rolled back when another write in it failed ({lost.Cause.Message}); nothing of this write was stored.");
            foreach (var earlier in transaction) Fail(earlier, theirs);
            transaction.Clear();
            return;
        }
        catch (Exception e)
        {
            Fail(job, _store.Typed(e));
            return;
        }
        if (_store.TransactionRows >= _options.MaxRowsPerTransaction
            || _store.TransactionAgeMs >= (long)_options.MaxTransactionAge.TotalMilliseconds)
            Commit(transaction);
    }

    private void Fail(Job job, Exception error)
    {
        job.Fail(error);
        Release(job.Rows);
    }

    private void Commit(List<Job> transaction)
    {
        if (transaction.Count == 0 && !_store.InTransaction) return;
        Exception? error = null;
        var started = Stopwatch.GetTimestamp();
        try
        {
            _store.Commit();
            Interlocked.Increment(ref _commits);
            _lastCommitTicks = Stopwatch.GetTimestamp() - started;
            _lastCommitWrites = transaction.Count;
        }
        catch (Exception e)
        {
            error = _store.Typed(e);
        }
        var rows = 0;
        long inserted = 0;
        foreach (var job in transaction)
        {
            if (error is null)
            {
                job.Complete();
                Interlocked.Increment(ref _writes);
                var stored = job.Result switch
                {
                    WriteResult { Ids.Length: > 0 } result => result.Affected,
                    InsertEachResult each => each.Stored,
                    _ => 0,
                };
                if (stored > 0)
                {
                    Interlocked.Add(ref _rowsInserted, stored);
                    inserted += stored;
                }
            }
            else
            {
                job.Fail(error);
            }
            rows += job.Rows;
        }
        transaction.Clear();
        if (error is null) _metrics.Committed(started, inserted);
        Release(rows);
    }

    /// <summary>A posted call: runs once, or never if cancelled before it starts.</summary>
    private abstract class Job(bool isWrite, int rows, CancellationToken cancellationToken, bool closes)
    {
        private const int Queued = 0, Running = 1, Cancelled = 2;
        private int _state;
        private CancellationTokenRegistration _registration;

        public bool IsWrite { get; } = isWrite;
        public int Rows { get; } = rows;
        public bool Closes { get; } = closes;
        protected CancellationToken Token { get; } = cancellationToken;
        public abstract object? Result { get; }

        /// <summary>
        /// Lets the caller stop waiting if it cancels before the writer starts the job; then the job
        /// never runs, and <paramref name="cancelled"/> is called.
        /// </summary>
        public void WatchCancellation(Action cancelled)
        {
            if (Token.CanBeCanceled)
                _registration = Token.Register(() =>
                {
                    if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) != Queued) return;
                    SetCanceled();
                    cancelled();
                });
        }

        /// <summary>Marks the job running; false when it was cancelled first (it must not run).</summary>
        public bool Start()
        {
            var started = Interlocked.CompareExchange(ref _state, Running, Queued) == Queued;
            StopWatching();
            return started;
        }

        /// <summary>Drops the cancellation registration (the token may outlive the job by far).</summary>
        public void StopWatching() => _registration.Dispose();

        public abstract void Execute(TableStore store);
        public abstract void Complete();
        public abstract void Fail(Exception error);
        protected abstract void SetCanceled();
    }

    private sealed class Job<T>(Func<TableStore, T> work, bool isWrite, int rows, CancellationToken cancellationToken, bool closes = false)
        : Job(isWrite, rows, cancellationToken, closes)
    {
        private readonly TaskCompletionSource<T> _done = new(TaskCreationOptions.None);
        private T? _result;

        public Task<T> Task => _done.Task;
        public override object? Result => _result;

        public override void Execute(TableStore store) => _result = work(store);
        public override void Complete() => _done.TrySetResult(_result!);
        public override void Fail(Exception error) => _done.TrySetException(error);
        protected override void SetCanceled() => _done.TrySetCanceled(Token);
    }
}

/// <summary>A table writer's counters.</summary>
/// <param name="Commits">Transactions committed.</param>
/// <param name="RowsInserted">Rows inserted.</param>
/// <param name="Writes">Writes completed.</param>
/// <param name="PendingRows">Rows taken in and not yet committed.</param>
/// <param name="PeakPendingRows">The most pending rows at once.</param>
/// <param name="Cancelled">Calls cancelled before the writer started them (they never ran).</param>
internal readonly record struct WriterStats(long Commits, long RowsInserted, long Writes, long PendingRows, long PeakPendingRows, long Cancelled);
