using System.Collections.Concurrent;

namespace DocTable.Orleans;

/// <summary>
/// The hand-overs under way in this process: rows that queue-inserter handles have taken and not yet
/// given to their grains. A silo in this process waits for them when it stops, before it flushes its
/// queue-inserter grains, so a row whose insert has returned is written even if nobody flushed it.
/// </summary>
public static class QueueInserterHandOvers
{
    private static readonly ConcurrentDictionary<Task, byte> s_running = new();

    /// <summary>Records a hand-over that ends when <paramref name="done"/> completes.</summary>
    public static void Track(Task done)
    {
        ArgumentNullException.ThrowIfNull(done);
        s_running.TryAdd(done, 0);
        done.ContinueWith(static (t, _) => s_running.TryRemove(t, out byte _), null, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Completes when every hand-over under way now has ended (or <paramref name="cancellationToken"/> fires).</summary>
    public static Task WaitAsync(CancellationToken cancellationToken = default)
        => Task.WhenAll(s_running.Keys).WaitAsync(cancellationToken);
}
