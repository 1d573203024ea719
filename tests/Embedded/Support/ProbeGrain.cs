namespace DocTable.Orleans.Tests.Embedded.Support;

/// <summary>Implements <see cref="IProbeGrain"/>: every turn enters, awaits, and exits, recording overlaps.</summary>
public sealed class ProbeGrain : Grain, IProbeGrain
{
    private ProbeStats _stats = null!;
    private IGrainTimer? _timer;

    /// <summary>Created by Orleans.</summary>
    public ProbeGrain() { }

    /// <summary>A probe used directly, outside Orleans (to show that the probe does see overlaps).</summary>
    internal ProbeGrain(ProbeStats stats) => _stats = stats;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _stats = ProbeStats.For(this.GetPrimaryKeyString());
        _stats.Activated();
        return Task.CompletedTask;
    }

    public async Task<int> WorkAsync(int sequence, int delayMs = 0, CancellationToken cancellationToken = default)
    {
        _stats.Enter();
        try
        {
            _stats.Order.Enqueue(sequence);
            await Task.Yield();
            if (delayMs > 0) await Task.Delay(delayMs, cancellationToken);
            await Task.Yield();
            return sequence;
        }
        finally
        {
            _stats.Exit();
        }
    }

    public Task StartTimerAsync(TimeSpan period, CancellationToken cancellationToken = default)
    {
        _timer?.Dispose();
        _timer = this.RegisterGrainTimer(async _ =>
        {
            _stats.Enter();
            try
            {
                _stats.Tick();
                await Task.Yield();
                await Task.Delay(1, CancellationToken.None);
            }
            finally
            {
                _stats.Exit();
            }
        }, new GrainTimerCreationOptions(period, period) { KeepAlive = false });
        return Task.CompletedTask;
    }

    public async Task BlockAsync(CancellationToken cancellationToken = default)
    {
        _stats.Enter();
        try
        {
            _stats.Blocked.TrySetResult();
            await _stats.Gate.Task;
        }
        finally
        {
            _stats.Exit();
        }
    }

    public Task DeactivateAsync()
    {
        DeactivateOnIdle();
        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _stats.Deactivations.Enqueue(reason.ReasonCode);
        return Task.CompletedTask;
    }
}
