using System.Collections.Concurrent;

namespace DocTable.Orleans.Tests.Embedded.Support;

/// <summary>What the probe grains with one key observed; outlives their activations.</summary>
public sealed class ProbeStats
{
    private static readonly ConcurrentDictionary<string, ProbeStats> s_byKey = new();
    private int _inside;
    private int _overlaps;
    private int _activations;
    private int _ticks;

    /// <summary>The stats of the probe with <paramref name="key"/> (use a fresh key per test).</summary>
    public static ProbeStats For(string key) => s_byKey.GetOrAdd(key, _ => new ProbeStats());

    /// <summary>Times a turn began while another was inside (must stay 0).</summary>
    public int Overlaps => Volatile.Read(ref _overlaps);

    /// <summary>Grain instances constructed and activated for the key.</summary>
    public int Activations => Volatile.Read(ref _activations);

    /// <summary>Timer ticks that ran.</summary>
    public int Ticks => Volatile.Read(ref _ticks);

    /// <summary>Sequence numbers of calls, in the order their turns began.</summary>
    public ConcurrentQueue<int> Order { get; } = new();

    /// <summary>Reasons of every deactivation.</summary>
    public ConcurrentQueue<DeactivationReasonCode> Deactivations { get; } = new();

    /// <summary>Released by the test to unblock <see cref="IProbeGrain.BlockAsync"/>.</summary>
    public TaskCompletionSource Gate { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Set when a blocking call has started.</summary>
    public TaskCompletionSource Blocked { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Activated() => Interlocked.Increment(ref _activations);

    public void Tick() => Interlocked.Increment(ref _ticks);

    public void Enter()
    {
        if (Interlocked.Increment(ref _inside) != 1) Interlocked.Increment(ref _overlaps);
    }

    public void Exit() => Interlocked.Decrement(ref _inside);
}
