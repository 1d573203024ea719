namespace DocTable.Orleans.Silo.Runtime;

/// <summary>One entry of an activation's mailbox: a call, a timer tick or a deactivation request.</summary>
internal abstract class WorkItem
{
    /// <summary>Runs the item as a turn of <paramref name="grain"/>.</summary>
    public abstract Task RunAsync(Grain grain);

    /// <summary>Fails the item without running it (the activation could not run it).</summary>
    public abstract void Fail(Exception error);
}

/// <summary>
/// A grain call whose result goes back to the caller: either a delegate, or a compiled invoker with
/// the call's arguments (what grain references post, so a call allocates no closure).
/// </summary>
internal sealed class CallItem<T> : WorkItem
{
    private readonly TaskCompletionSource<T> _result = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Func<Grain, Task<T>>? _call;
    private readonly Func<Grain, object?[], Task<T>>? _invoke;
    private readonly object?[]? _args;
    private readonly CancellationToken _cancellationToken;

    public CallItem(Func<Grain, Task<T>> call, CancellationToken cancellationToken)
    {
        _call = call;
        _cancellationToken = cancellationToken;
    }

    public CallItem(Func<Grain, object?[], Task<T>> invoke, object?[] args, CancellationToken cancellationToken)
    {
        _invoke = invoke;
        _args = args;
        _cancellationToken = cancellationToken;
    }

    public Task<T> Result => _result.Task;

    public override async Task RunAsync(Grain grain)
    {
        var cancellationToken = _cancellationToken;
        if (cancellationToken.IsCancellationRequested)
        {
            _result.TrySetCanceled(cancellationToken);
            return;
        }
        try
        {
            var task = _call is not null ? _call(grain) : _invoke!(grain, _args!);
            _result.TrySetResult(await task.ConfigureAwait(false));
        }
        catch (OperationCanceledException e) when (e.CancellationToken == cancellationToken && cancellationToken.IsCancellationRequested)
        {
            _result.TrySetCanceled(cancellationToken);
        }
        catch (Exception e)
        {
            _result.TrySetException(e);
        }
    }

    public override void Fail(Exception error) => _result.TrySetException(error);
}

/// <summary>A timer tick; errors are logged by the activation, never thrown to anybody.</summary>
internal sealed class TimerItem(GrainTimer timer) : WorkItem
{
    public override Task RunAsync(Grain grain) => timer.RunTickAsync();

    public override void Fail(Exception error) => timer.TickDropped();
}

/// <summary>
/// A request to deactivate; honoured only if nothing else waits, except on shutdown.
/// <see cref="Outcome"/> tells the requester whether the activation went away (true, once it has
/// stopped) or stayed because calls arrived (false).
/// </summary>
internal sealed class DeactivateItem(DeactivationReason reason) : WorkItem
{
    private readonly TaskCompletionSource<bool> _outcome = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public DeactivationReason Reason => reason;

    /// <summary>True once the activation has stopped because of this request; false if it was refused or never ran.</summary>
    public Task<bool> Outcome => _outcome.Task;

    public void Decide(bool deactivated) => _outcome.TrySetResult(deactivated);

    /// <summary>Runs only when a shutdown drains the mailbox: the shutdown, not this request, ends the activation.</summary>
    public override Task RunAsync(Grain grain)
    {
        Decide(false);
        return Task.CompletedTask;
    }

    public override void Fail(Exception error) => Decide(false);
}
