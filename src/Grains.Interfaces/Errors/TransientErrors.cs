using Orleans.Runtime;
using Orleans.Runtime.Messaging;

namespace DocTable.Orleans;

/// <summary>
/// Which failures may pass, so that the same call under the same key can succeed later: what
/// <c>RetryPolicy</c> retries. A queue inserter keeps a chunk for these and for storage faults and an
/// unreachable cluster too (it tries the chunk again later, not at once).
/// </summary>
public static class TransientErrors
{
    /// <summary>
    /// True for the failures of a silo or of the connection to it, a timeout, a cancelled call, and a
    /// table whose group is down for a moment — not of the request itself: the same call may succeed
    /// once Orleans has placed the grain on a live silo. Typed DocTable errors about the request
    /// (bad input, a constraint) are false.
    /// </summary>
    public static bool Is(Exception e) => e is SiloUnavailableException or ConnectionFailedException
        or OrleansMessageRejectionException or TimeoutException or TableUnavailableException or OperationCanceledException
        || (e is OrleansException && e.InnerException is { } inner && Is(inner));
}
