namespace DocTable.Orleans;

/// <summary>
/// Base class of grain implementations, after Orleans' <c>Grain</c>: one activation per key, one call
/// at a time, <see cref="OnActivateAsync"/> before the first call and <see cref="OnDeactivateAsync"/>
/// when the activation goes idle or the silo shuts down.
/// </summary>
public abstract class Grain
{
    private IGrainContext? _context;

    /// <summary>The activation's context; set by the runtime before <see cref="OnActivateAsync"/>.</summary>
    public IGrainContext Context => _context ?? throw new InvalidOperationException("The grain is not activated yet.");

    /// <summary>The grain's key.</summary>
    public string GetPrimaryKeyString() => Context.Key;

    /// <summary>The factory for calling other grains.</summary>
    protected IGrainFactory GrainFactory => Context.GrainFactory;

    /// <summary>
    /// Order in which the silo deactivates grains on shutdown: lower first. Grains that flush into
    /// other grains (queue inserters, producers) must stop before the grains they flush into (tables).
    /// </summary>
    public virtual int ShutdownStage => 0;

    /// <summary>Called by the runtime once, before the activation's first turn.</summary>
    public void Attach(IGrainContext context) => _context = context;

    /// <summary>Runs as the activation's first turn.</summary>
    public virtual Task OnActivateAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs as the activation's last turn (idle timeout, explicit deactivation or shutdown).</summary>
    public virtual Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// Runs after every turn (call or timer tick), still inside the activation's single-threaded
    /// schedule. <see cref="IGrainContext.PendingCalls"/> tells whether more calls wait; the table
    /// grain commits its open transaction here once none do (group commit).
    /// </summary>
    public virtual Task OnTurnEndAsync() => Task.CompletedTask;

    /// <summary>Registers a grain timer; see <see cref="IGrainContext.RegisterTimer"/>.</summary>
    protected IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period)
        => Context.RegisterTimer(callback, dueTime, period);

    /// <summary>Deactivates this activation after the current turn.</summary>
    protected void DeactivateOnIdle() => Context.DeactivateOnIdle();
}

/// <summary>Why an activation is being deactivated.</summary>
public enum DeactivationReason
{
    /// <summary>No call arrived within the idle timeout.</summary>
    Idle,
    /// <summary>The grain asked for it.</summary>
    Requested,
    /// <summary>The silo is shutting down.</summary>
    Shutdown,
    /// <summary>Activation failed; the activation is discarded.</summary>
    ActivationFailed,
}
