namespace DocTable.Orleans;

/// <summary>
/// Sends the single-row inserts of many concurrent callers of one table together: once
/// <see cref="MaxSenders"/> calls are on their way, the rows of further callers wait here and go in the
/// next call, as one <see cref="ITableGrain.InsertEachAsync"/> (each row still its own write: its own
/// id, its own error). A lone caller's insert goes at once, as a plain insert. So many awaiting callers
/// pay one grain call per group of rows instead of one per row, and each still gets its answer only
/// once its row is committed.
/// </summary>
internal sealed class InsertCombiner(ITableGrain grain, string[] columns)
{
    private readonly object _gate = new();
    private List<Waiting> _waiting = [];
    private int _senders;   // calls on their way (at most MaxSenders)

    /// <summary>
    /// Calls on their way at once. Up to this many concurrent callers each send their own row at once
    /// (the table's group commit puts them in one transaction); beyond it, rows wait for the next
    /// call. Measured here: with 64 callers, eight calls on their way gave about twice the rows/s of one
    /// call per row, while one or two calls on their way split the callers into cohorts that took turns
    /// at the table and halved the rows per commit.
    /// </summary>
    private const int MaxSenders = 8;

    private sealed class Waiting(object?[] row, CancellationToken token)
    {
        public object?[] Row { get; } = row;
        public CancellationToken Token { get; } = token;
        public TaskCompletionSource<long> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>
    /// Inserts <paramref name="row"/> and returns its id once committed. Cancelling before the row has
    /// left this process takes it back (it is never sent); after that, the caller stops waiting and the
    /// row may or may not be stored.
    /// </summary>
    public Task<long> InsertAsync(object?[] row, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var waiting = new Waiting(row, cancellationToken);
        bool start;
        lock (_gate)
        {
            _waiting.Add(waiting);
            start = _senders < MaxSenders;
            if (start) _senders++;
        }
        if (start) _ = SendAsync();
        return cancellationToken.CanBeCanceled ? WaitAsync(waiting, cancellationToken) : waiting.Done.Task;
    }

    private async Task<long> WaitAsync(Waiting waiting, CancellationToken cancellationToken)
    {
        // Both completions run their continuations asynchronously, so the registration is never
        // disposed from inside the cancellation before its callback has run.
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (cancellationToken.Register(() =>
        {
            bool taken;
            lock (_gate) taken = _waiting.Remove(waiting);
            if (taken) waiting.Done.TrySetCanceled(cancellationToken);   // never sent
            else stopped.TrySetResult();                               // already sent: only stop waiting
        }))
        {
            if (await Task.WhenAny(waiting.Done.Task, stopped.Task).ConfigureAwait(false) != waiting.Done.Task)
                throw new OperationCanceledException(cancellationToken);
        }
        return await waiting.Done.Task.ConfigureAwait(false);
    }

    /// <summary>Sends what waits, one call at a time, until nothing waits.</summary>
    private async Task SendAsync()
    {
        while (true)
        {
            List<Waiting> group;
            lock (_gate)
            {
                if (_waiting.Count == 0)
                {
                    _senders--;
                    return;
                }
                group = _waiting;
                _waiting = [];
            }
            try
            {
                if (group.Count == 1)
                {
                    // A lone row carries its caller's token: a cancellation still reaches the table before it runs the row.
                    var result = await grain.InsertAsync(new RowBatch(columns, [group[0].Row]), InsertOptions.Default, group[0].Token).ConfigureAwait(false);
                    group[0].Done.TrySetResult(result.Ids[0]);
                    continue;
                }
                var each = await grain.InsertEachAsync(new RowBatch(columns, group.ConvertAll(w => w.Row)), InsertOptions.Default).ConfigureAwait(false);
                for (var i = 0; i < group.Count; i++)
                {
                    if (each.Errors?[i] is { } error) group[i].Done.TrySetException(error);
                    else group[i].Done.TrySetResult(each.Ids[i]);
                }
            }
            catch (Exception e)
            {
                foreach (var waiting in group) waiting.Done.TrySetException(e);
            }
        }
    }
}
