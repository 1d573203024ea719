namespace DocTable.Orleans;

/// <summary>What the runtime offers one activation: its key, its factory, timers and deactivation.</summary>
public interface IGrainContext
{
    /// <summary>The grain's key.</summary>
    string Key { get; }

    /// <summary>The factory for calling other grains.</summary>
    IGrainFactory GrainFactory { get; }

    /// <summary>Number of calls waiting in this activation's mailbox behind the running turn.</summary>
    int PendingCalls { get; }

    /// <summary>
    /// Registers a timer whose ticks run as turns of this activation (never overlapping a call).
    /// A tick is skipped while the previous one still waits in the mailbox. Dispose to stop it.
    /// </summary>
    IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period);

    /// <summary>Asks the runtime to deactivate this activation once the current turn ends.</summary>
    void DeactivateOnIdle();
}
