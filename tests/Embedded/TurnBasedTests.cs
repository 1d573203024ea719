using DocTable.Orleans.Silo;
using DocTable.Orleans.Tests.Embedded.Support;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>
/// The grain runtime's contract: one activation per key, one turn at a time in arrival order, timers
/// as turns, OnDeactivateAsync on idle and shutdown, a bounded mailbox, no calls after shutdown.
/// </summary>
public sealed class TurnBasedTests
{
    private static void AddProbe(EmbeddedSiloOptions options) => options.ExtraGrains[typeof(IProbeGrain)] = typeof(ProbeGrain);

    private static void WithMailbox(EmbeddedSiloOptions options, int capacity)
    {
        AddProbe(options);
        options.Runtime.MailboxCapacity = capacity;
    }

    private static string NewKey() => "probe-" + Guid.NewGuid().ToString("N");

    [Fact]
    public async Task ManyConcurrentCallers_NeverOverlap_AndShareOneActivation()
    {
        await using var store = new TempStore();
        var client = store.Start(AddProbe);
        var key = NewKey();
        const int callers = 32, calls = 40;

        var results = await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var sum = 0;
            for (var i = 0; i < calls; i++)
                sum += await client.GrainFactory.GetGrain<IProbeGrain>(key).WorkAsync(c * calls + i, delayMs: i % 5 == 0 ? 1 : 0);
            return sum;
        }))).WaitAsync(Wait.Long);

        var stats = ProbeStats.For(key);
        Assert.Equal(0, stats.Overlaps);
        Assert.Equal(1, stats.Activations);
        Assert.Equal(callers * calls, stats.Order.Count);
        Assert.Equal(Enumerable.Range(0, callers * calls), stats.Order.Order());
        Assert.Equal(Enumerable.Range(0, callers * calls).Sum(), results.Sum());
    }

    [Fact]
    public async Task CallsPostedOneAfterAnother_RunInArrivalOrder()
    {
        await using var store = new TempStore();
        var client = store.Start(AddProbe);
        var key = NewKey();
        var grain = client.GrainFactory.GetGrain<IProbeGrain>(key);

        var tasks = new List<Task<int>>();
        for (var i = 0; i < 300; i++) tasks.Add(grain.WorkAsync(i, delayMs: i % 50 == 0 ? 2 : 0));
        await Task.WhenAll(tasks).WaitAsync(Wait.Long);

        Assert.Equal(Enumerable.Range(0, 300), ProbeStats.For(key).Order);
        Assert.Equal(0, ProbeStats.For(key).Overlaps);
    }

    [Fact]
    public async Task TimerTicks_RunAsTurns_NeverOverlappingCalls()
    {
        await using var store = new TempStore();
        var client = store.Start(AddProbe);
        var key = NewKey();
        var grain = client.GrainFactory.GetGrain<IProbeGrain>(key);
        await grain.StartTimerAsync(TimeSpan.FromMilliseconds(2));
        var stats = ProbeStats.For(key);

        var callers = Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
        {
            var i = 0;
            while (stats.Ticks < 30) await grain.WorkAsync(c * 1_000_000 + i++, delayMs: 1);
        })).ToArray();
        await Task.WhenAll(callers).WaitAsync(Wait.Long);

        Assert.True(stats.Ticks >= 30);
        Assert.True(stats.Order.Count >= 4);
        Assert.Equal(0, stats.Overlaps);
    }

    [Fact]
    public async Task ConcurrentFirstCalls_CreateExactlyOneActivation()
    {
        await using var store = new TempStore();
        var client = store.Start(AddProbe);
        var keys = Enumerable.Range(0, 10).Select(_ => NewKey()).ToArray();
        using var start = new ManualResetEventSlim();

        var calls = Enumerable.Range(0, 100).Select(i => Task.Run(async () =>
        {
            start.Wait();
            await client.GrainFactory.GetGrain<IProbeGrain>(keys[i % keys.Length]).WorkAsync(i);
        })).ToArray();
        start.Set();
        await Task.WhenAll(calls).WaitAsync(Wait.Long);

        Assert.All(keys, k => Assert.Equal(1, ProbeStats.For(k).Activations));
        Assert.All(keys, k => Assert.Equal(10, ProbeStats.For(k).Order.Count));
    }

    [Fact]
    public async Task IdleActivation_IsDeactivatedWithOnDeactivateAsync_AndReactivatedOnTheNextCall()
    {
        await using var store = new TempStore();
        var client = store.Start(o =>
        {
            AddProbe(o);
            o.Runtime.IdleTimeout = TimeSpan.FromMilliseconds(200);
            o.Runtime.CollectionInterval = TimeSpan.FromMilliseconds(50);
        });
        var key = NewKey();
        var stats = ProbeStats.For(key);
        await client.GrainFactory.GetGrain<IProbeGrain>(key).WorkAsync(0);

        await Wait.UntilAsync(() => stats.Deactivations.Contains(DeactivationReason.Idle), "the idle probe deactivated");
        Assert.Equal(1, stats.Activations);

        Assert.Equal(1, await client.GrainFactory.GetGrain<IProbeGrain>(key).WorkAsync(1));
        Assert.Equal(2, stats.Activations);
    }

    [Fact]
    public async Task DeactivateIdleAsync_RunsOnDeactivateAsync()
    {
        await using var store = new TempStore();
        var client = store.Start(AddProbe);
        var key = NewKey();
        await client.GrainFactory.GetGrain<IProbeGrain>(key).WorkAsync(0);

        Assert.Equal(1, await client.Silo!.Runtime.DeactivateIdleAsync(TimeSpan.Zero));

        Assert.Equal([DeactivationReason.Idle], ProbeStats.For(key).Deactivations);
        Assert.Equal(0, client.Silo.Runtime.ActivationCount);
    }

    [Fact]
    public async Task Shutdown_DrainsQueuedCalls_RunsOnDeactivateAsync_ThenRefusesCalls()
    {
        await using var store = new TempStore();
        var client = store.Start(AddProbe);
        var key = NewKey();
        var stats = ProbeStats.For(key);
        var grain = client.GrainFactory.GetGrain<IProbeGrain>(key);
        var blocked = grain.BlockAsync();
        await stats.Blocked.Task.WaitAsync(Wait.Long);
        var queued = Enumerable.Range(0, 10).Select(i => grain.WorkAsync(i)).ToArray();

        var stopping = client.DisposeAsync().AsTask();
        await Wait.UntilAsync(() => client.Silo!.Runtime.IsStopping, "the silo began stopping");
        await Assert.ThrowsAsync<SiloUnavailableException>(() => grain.WorkAsync(99));
        stats.Gate.SetResult();
        await stopping.WaitAsync(Wait.Long);

        await blocked;
        Assert.Equal(Enumerable.Range(0, 10), await Task.WhenAll(queued));
        Assert.Equal([DeactivationReason.Shutdown], stats.Deactivations);
        await Assert.ThrowsAsync<SiloUnavailableException>(() => grain.WorkAsync(100));
        await Assert.ThrowsAsync<SiloUnavailableException>(() => client.GrainFactory.GetGrain<IProbeGrain>(NewKey()).WorkAsync(0));
    }

    [Fact]
    public async Task ShutdownUnderLoad_EveryCallEitherCompletesOrFailsWithSiloUnavailable()
    {
        await using var store = new TempStore();
        var client = store.Start(o => WithMailbox(o, 8));
        var keys = Enumerable.Range(0, 3).Select(_ => NewKey()).ToArray();
        var completed = 0;
        var callers = Enumerable.Range(0, 12).Select(c => Task.Run(async () =>
        {
            for (var i = 0; ; i++)
            {
                try
                {
                    await client.GrainFactory.GetGrain<IProbeGrain>(keys[c % keys.Length]).WorkAsync(i);
                    Interlocked.Increment(ref completed);
                }
                catch (SiloUnavailableException)
                {
                    return;
                }
            }
        })).ToArray();
        await Wait.UntilAsync(() => Volatile.Read(ref completed) > 500, "calls are flowing");

        await client.DisposeAsync().AsTask().WaitAsync(Wait.Long);

        await Task.WhenAll(callers).WaitAsync(Wait.Long);
        Assert.All(keys, k => Assert.Equal(0, ProbeStats.For(k).Overlaps));
        Assert.All(keys, k => Assert.Equal([DeactivationReason.Shutdown], ProbeStats.For(k).Deactivations));
    }

    [Fact]
    public async Task FullMailbox_MakesCallersWait_InsteadOfGrowing()
    {
        const int capacity = 4, callers = 20;
        await using var store = new TempStore();
        var client = store.Start(o => WithMailbox(o, capacity));
        var key = NewKey();
        var stats = ProbeStats.For(key);
        var grain = client.GrainFactory.GetGrain<IProbeGrain>(key);
        var blocked = grain.BlockAsync();
        await stats.Blocked.Task.WaitAsync(Wait.Long);

        var calls = Enumerable.Range(0, callers).Select(i => grain.WorkAsync(i)).ToArray();
        await Wait.UntilAsync(() => stats.Context!.PendingCalls == capacity, "the mailbox filled up");
        for (var sample = 0; sample < 20; sample++)
        {
            Assert.InRange(stats.Context!.PendingCalls, 0, capacity);
            Assert.All(calls, c => Assert.False(c.IsCompleted));
            await Task.Delay(5);
        }

        stats.Gate.SetResult();
        await blocked.WaitAsync(Wait.Long);
        Assert.Equal(Enumerable.Range(0, callers), await Task.WhenAll(calls).WaitAsync(Wait.Long));
        Assert.Equal(Enumerable.Range(0, callers), stats.Order);
    }

    [Fact]
    public async Task CancelledWhileWaitingForAFullMailbox_TheCallNeverRuns()
    {
        await using var store = new TempStore();
        var client = store.Start(o => WithMailbox(o, 1));
        var key = NewKey();
        var stats = ProbeStats.For(key);
        var grain = client.GrainFactory.GetGrain<IProbeGrain>(key);
        var blocked = grain.BlockAsync();
        await stats.Blocked.Task.WaitAsync(Wait.Long);
        var first = grain.WorkAsync(1);
        using var cts = new CancellationTokenSource();
        var waiting = grain.WorkAsync(2, cancellationToken: cts.Token);
        Assert.False(waiting.IsCompleted);

        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Wait.Long));
        stats.Gate.SetResult();
        Assert.Equal(1, await first.WaitAsync(Wait.Long));
        await blocked;
        Assert.Equal([1], stats.Order);
    }

    [Fact]
    public async Task TheOverlapProbe_DetectsOverlap_WhenCalledConcurrentlyWithoutTheRuntime()
    {
        var key = NewKey();
        var grain = new ProbeGrain();
        grain.Attach(new BareContext(key));
        await grain.OnActivateAsync(CancellationToken.None);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => grain.WorkAsync(i, delayMs: 20))));

        Assert.True(ProbeStats.For(key).Overlaps > 0, "the probe must see overlapping calls made outside the runtime");
    }

    /// <summary>A context for a grain used directly, outside any runtime.</summary>
    private sealed class BareContext(string key) : IGrainContext
    {
        public string Key => key;
        public IGrainFactory GrainFactory => throw new NotSupportedException();
        public int PendingCalls => 0;
        public IDisposable RegisterTimer(Func<CancellationToken, Task> callback, TimeSpan dueTime, TimeSpan period) => throw new NotSupportedException();
        public void DeactivateOnIdle() { }
    }
}
