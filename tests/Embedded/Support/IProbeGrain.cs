namespace DocTable.Orleans.Tests.Embedded.Support;

/// <summary>A test grain that records how its turns interleave (see <see cref="ProbeStats"/>).</summary>
public interface IProbeGrain : IGrainWithStringKey
{
    /// <summary>Records the call, awaits (yield or delay) inside the turn, returns <paramref name="sequence"/>.</summary>
    Task<int> WorkAsync(int sequence, int delayMs = 0, CancellationToken cancellationToken = default);

    /// <summary>Starts a timer whose ticks record themselves like calls do.</summary>
    Task StartTimerAsync(TimeSpan period, CancellationToken cancellationToken = default);

    /// <summary>Blocks the activation until <see cref="ProbeStats.Gate"/> completes.</summary>
    Task BlockAsync(CancellationToken cancellationToken = default);

    /// <summary>Asks Orleans to deactivate this activation once it is idle.</summary>
    Task DeactivateAsync();
}
