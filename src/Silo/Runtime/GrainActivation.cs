using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace DocTable.Orleans.Silo.Runtime;

/// <summary>
/// One activation of a grain: its instance, its bounded mailbox and the loop that runs the mailbox
/// one turn at a time, in arrival order. The loop starts with <see cref="Grain.OnActivateAsync"/> and
/// ends with <see cref="Grain.OnDeactivateAsync"/>.
/// </summary>
internal sealed class GrainActivation : IGrainContext
{
    private static readonly AsyncLocal<GrainActivation?> s_current = new();

    private readonly GrainRuntime _runtime;
    private readonly Channel<WorkItem> _mailbox;
    private readonly object _gate = new();
    private readonly List<GrainTimer> _timers = [];
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger _logger;
    private int _writers;
    private bool _closing;
    private bool _deactivateRequested;

    public GrainActivation(GrainRuntime runtime, Type grainInterface, string key, Grain grain, int mailboxCapacity, ILogger logger)
    {
        _runtime = runtime;
        GrainInterface = grainInterface;
        Key = key;
        Grain = grain;
        _logger = logger;
        _mailbox = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(mailboxCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        LastActivity = Environment.TickCount64;
        grain.Attach(this);
    }

    /// <summary>The activation whose turn is running on this async flow, if any.</summary>
    public static GrainActivation? Current => s_current.Value;

    public Type GrainInterface { get; }

    public string Key { get; }

    public Grain Grain { get; }

    public IGrainFactory GrainFactory => _runtime;

    public int PendingCalls => _mailbox.Reader.Count;

    /// <summary>Environment.TickCount64 of the last turn.</summary>
    public long LastActivity { get; private set; }

    /// <summary>Completes when the activation has deactivated and left the directory.</summary>
    public Task Stopped => _stopped.Task;

    /// <summary>Cancelled when the activation starts deactivating.</summary>
    public CancellationToken StoppingToken => _stopping.Token;

    /// <summary>Starts the turn loop.</summary>
    public void Start() => _ = Task.Run(RunAsync);

    /// <summary>
    /// Posts a call, waiting while the mailbox is full. Returns false when the activation is closing;
    /// the caller then waits for <see cref="Stopped"/> and calls a fresh activation.
    /// </summary>
    public async ValueTask<bool> TryEnqueueAsync(WorkItem item, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_closing) return false;
            _writers++;
        }
        try
        {
            await _mailbox.Writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
        finally
        {
            lock (_gate) _writers--;
        }
    }

    /// <summary>Posts an item without waiting; false when the mailbox is full or closing.</summary>
    public bool TryPost(WorkItem item)
    {
        lock (_gate)
        {
            if (_closing) return false;
        }
        return _mailbox.Writer.TryWrite(item);
    }

    public IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new GrainTimer(this, callback, dueTime, period);
        lock (_gate) _timers.Add(timer);
        return timer;
    }

    public void RemoveTimer(GrainTimer timer)
    {
        lock (_gate) _timers.Remove(timer);
    }

    public void DeactivateOnIdle() => _deactivateRequested = true;

    public void LogTimerError(Exception e)
        => _logger.LogError(e, "Timer of grain {Interface}/{Key} failed", GrainInterface.Name, Key);

    private async Task RunAsync()
    {
        s_current.Value = this;
        var reason = DeactivationReason.Requested;
        DeactivateItem? accepted = null;
        try
        {
            try
            {
                await Grain.OnActivateAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogWarning(e, "Activation of grain {Interface}/{Key} failed", GrainInterface.Name, Key);
                FailQueued(e);
                return;
            }

            while (true)
            {
                if (!_mailbox.Reader.TryRead(out var item))
                {
                    if (_deactivateRequested && TryClose(force: false)) break;
                    if (!await _mailbox.Reader.WaitToReadAsync().ConfigureAwait(false)) break;
                    continue;
                }
                if (item is DeactivateItem d)
                {
                    var force = d.Reason == DeactivationReason.Shutdown;
                    if (TryClose(force))
                    {
                        reason = d.Reason;
                        accepted = d;
                        await DrainAsync().ConfigureAwait(false);
                        break;
                    }
                    d.Decide(false);
                    continue;
                }
                await RunTurnAsync(item).ConfigureAwait(false);
            }

            _stopping.Cancel();
            try
            {
                await Grain.OnDeactivateAsync(reason, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogError(e, "OnDeactivateAsync of grain {Interface}/{Key} failed", GrainInterface.Name, Key);
            }
        }
        finally
        {
            lock (_gate)
            {
                _closing = true;
                foreach (var t in _timers.ToArray()) t.Dispose();
            }
            _mailbox.Writer.TryComplete();
            FailQueued(new SiloUnavailableException($"Grain {GrainInterface.Name}/{Key} was deactivated before it ran the call; retry it."));
            _runtime.Remove(this);
            _stopped.TrySetResult();
            accepted?.Decide(true);
        }
    }

    private async Task RunTurnAsync(WorkItem item)
    {
        // Timer ticks do not keep an activation alive (as in Orleans); only calls do.
        if (item is not TimerItem) LastActivity = Environment.TickCount64;
        await item.RunAsync(Grain).ConfigureAwait(false);
        try
        {
            await Grain.OnTurnEndAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogError(e, "OnTurnEndAsync of grain {Interface}/{Key} failed", GrainInterface.Name, Key);
        }
    }

    /// <summary>On shutdown, calls already queued, or being posted when it began, still run.</summary>
    private async Task DrainAsync()
    {
        while (true)
        {
            while (_mailbox.Reader.TryRead(out var queued)) await RunTurnAsync(queued).ConfigureAwait(false);
            lock (_gate)
            {
                if (_writers == 0 && _mailbox.Reader.Count == 0) return;
            }
            await Task.Delay(1).ConfigureAwait(false);
        }
    }

    /// <summary>Stops taking calls: always when forced, otherwise only if no call waits or is being posted.</summary>
    private bool TryClose(bool force)
    {
        lock (_gate)
        {
            if (!force && (_writers > 0 || _mailbox.Reader.Count > 0)) return false;
            _closing = true;
            return true;
        }
    }

    private void FailQueued(Exception error)
    {
        lock (_gate) _closing = true;
        _mailbox.Writer.TryComplete();
        while (_mailbox.Reader.TryRead(out var item)) item.Fail(error);
    }
}
