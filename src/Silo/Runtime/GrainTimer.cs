namespace DocTable.Orleans.Silo.Runtime;

/// <summary>A grain timer: each due tick is posted to the activation's mailbox and runs as a turn.</summary>
internal sealed class GrainTimer : IDisposable
{
    private readonly GrainActivation _activation;
    private readonly Func<CancellationToken, Task> _callback;
    private readonly Timer _timer;
    private int _tickQueued;
    private volatile bool _disposed;

    public GrainTimer(GrainActivation activation, Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        _activation = activation;
        _callback = callback;
        _timer = new Timer(_ => OnDue(), null, dueTime, period);
    }

    private void OnDue()
    {
        // At most one tick waits in the mailbox; a tick that finds the mailbox full is skipped.
        if (_disposed || Interlocked.Exchange(ref _tickQueued, 1) == 1) return;
        if (!_activation.TryPost(new TimerItem(this))) Volatile.Write(ref _tickQueued, 0);
    }

    public async Task RunTickAsync()
    {
        Volatile.Write(ref _tickQueued, 0);
        if (_disposed) return;
        try
        {
            await _callback(_activation.StoppingToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _activation.LogTimerError(e);
        }
    }

    public void TickDropped() => Volatile.Write(ref _tickQueued, 0);

    public void Dispose()
    {
        _disposed = true;
        _timer.Dispose();
        _activation.RemoveTimer(this);
    }
}
