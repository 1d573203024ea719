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

    /// <summary>True for the failures of a silo or of the connection to it, not of the request itself.</summary>
    public static bool IsTransient(Exception e) => e is SiloUnavailableException or ConnectionFailedException
        or OrleansMessageRejectionException or TimeoutException
        || (e is OrleansException && e is not DocTableException && e.InnerException is { } inner && IsTransient(inner));

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
