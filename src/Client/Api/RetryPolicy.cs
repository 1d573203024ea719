using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace DocTable.Orleans;

/// <summary>
/// How a call that failed because a silo died, left or could not be reached is tried again: Orleans
/// re-activates the grain on a live silo, so the same call under the same key can succeed. Typed
/// DocTable errors (bad input) are never retried.
/// </summary>
/// <param name="Timeout">Give up after trying for this long.</param>
/// <param name="Delay">Wait between attempts.</param>
public sealed record RetryPolicy(TimeSpan Timeout, TimeSpan Delay)
{
    /// <summary>Two minutes, one attempt every 250 ms.</summary>
    public static RetryPolicy Default { get; } = new(TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(250));

    /// <summary>
    /// True for the failures of a silo or of the connection to it (and a table whose group is down for
    /// a moment), not of the request itself: the same call may succeed once Orleans has placed the grain
    /// on a live silo.
    /// </summary>
    public static bool IsTransient(Exception e) => e is SiloUnavailableException or ConnectionFailedException
        or OrleansMessageRejectionException or TimeoutException or TableUnavailableException or OperationCanceledException
        || (e is OrleansException && e.InnerException is { } inner && IsTransient(inner));

    /// <summary>
    /// Starts <paramref name="producer"/>'s job and polls its status until it completes, starting it again
    /// whenever the activation running it is gone (its silo died or left) or it failed for such a reason.
    /// Gives up when no status could be read for <see cref="Timeout"/>.
    /// </summary>
    public async Task<long> WatchJobAsync<TArgs>(IProducerGrain producer, TArgs args, int index, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(producer);
        var lastAnswer = DateTime.UtcNow;
        while (true)
        {
            try
            {
                var status = await producer.GetJobStatusAsync(cancellationToken).ConfigureAwait(false);
                lastAnswer = DateTime.UtcNow;
                switch (status.State)
                {
                    case ProducerJobState.Completed:
                        return status.Rows;
                    case ProducerJobState.NotStarted:
                        await producer.StartJobAsync(args, index, cancellationToken).ConfigureAwait(false);
                        break;
                    case ProducerJobState.Failed when status.Error is { } error && IsTransient(error):
                        await producer.StartJobAsync(args, index, cancellationToken).ConfigureAwait(false);
                        break;
                    case ProducerJobState.Failed:
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(status.Error ?? new InvalidOperationException("The producer's job failed."));
                        break;
                }
            }
            catch (Exception e) when (IsTransient(e) && DateTime.UtcNow - lastAnswer < Timeout && !cancellationToken.IsCancellationRequested)
            {
                // The silo of the activation died or left: the next call reaches a new activation.
            }
            await Task.Delay(Delay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Runs <paramref name="call"/> until it succeeds, fails for good, or <see cref="Timeout"/> passes.</summary>
    public async Task<T> RunAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var deadline = DateTime.UtcNow + Timeout;
        while (true)
        {
            try
            {
                return await call().ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e) && DateTime.UtcNow < deadline && !cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(Delay, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
