using DocTable.Orleans.Tests.Embedded.Support;
using Orleans.Configuration;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>
/// What the store relies on from Orleans, checked in the embedded silo with a probe grain: one
/// activation per key, one turn at a time (a non-reentrant grain holds its turn across awaits) in
/// arrival order, timer ticks as turns, OnDeactivateAsync on idle collection and on shutdown.
/// </summary>
public sealed class TurnBasedTests
{
    private static string NewKey() => "probe-" + Guid.NewGuid().ToString("N");

    private static IProbeGrain Probe(DocTableClient client, string key) => client.GrainFactory.GetGrain<IProbeGrain>(key);

    [Fact]
    public async Task ManyConcurrentCallers_NeverOverlap_AndShareOneActivation()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var key = NewKey();
        const int callers = 32, calls = 40;

        var results = await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
        {
            var sum = 0;
            for (var i = 0; i < calls; i++)
                sum += await Probe(client, key).WorkAsync(c * calls + i, delayMs: i % 5 == 0 ? 1 : 0);
            return sum;
        }))).WaitAsync(Wait.Long);

        var stats = ProbeStats.For(key);
        Assert.Equal(0, stats.Overlaps);
        Assert.Equal(1, stats.Activations);
        Assert.Equal(callers * calls, stats.Order.Count);
        Assert.Equal(Enumerable.Range(0, callers * calls), stats.Order.Order());
        Assert.Equal(Enumerable.Range(0, callers * calls).Sum(), results.Sum());
    }

    /// <remarks>
    /// Once the activation exists. Calls that arrive while Orleans is still creating the activation
    /// were seen to start out of order (Orleans does not promise an order for calls not awaited), so
    /// the store never relies on it: a producer's batches carry sequence numbers instead.
    /// </remarks>
    [Fact]
    public async Task CallsPostedOneAfterAnother_RunInArrivalOrder()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var key = NewKey();
        var grain = Probe(client, key);
        await grain.WorkAsync(-1);

        var tasks = new List<Task<int>>();
        for (var i = 0; i < 300; i++) tasks.Add(grain.WorkAsync(i, delayMs: i % 50 == 0 ? 2 : 0));
        await Task.WhenAll(tasks).WaitAsync(Wait.Long);

        Assert.Equal(Enumerable.Range(-1, 301), ProbeStats.For(key).Order);
        Assert.Equal(0, ProbeStats.For(key).Overlaps);
    }

    [Fact]
    public async Task TimerTicks_RunAsTurns_NeverOverlappingCalls()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var key = NewKey();
        var grain = Probe(client, key);
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
        var client = await store.StartAsync();
        var keys = Enumerable.Range(0, 10).Select(_ => NewKey()).ToArray();
        using var start = new ManualResetEventSlim();

        var calls = Enumerable.Range(0, 100).Select(i => Task.Run(async () =>
        {
            start.Wait();
            await Probe(client, keys[i % keys.Length]).WorkAsync(i);
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
        var client = await store.StartAsync(o => o.ConfigureSilo = silo => silo.Configure<GrainCollectionOptions>(c =>
        {
            c.CollectionAge = TimeSpan.FromMilliseconds(300);
            c.CollectionQuantum = TimeSpan.FromMilliseconds(50);
        }));
        var key = NewKey();
        var stats = ProbeStats.For(key);
        await Probe(client, key).WorkAsync(0);

        await Wait.UntilAsync(() => stats.Deactivations.Contains(DeactivationReasonCode.ActivationIdle), "the idle probe deactivated");
        Assert.Equal(1, stats.Activations);

        Assert.Equal(1, await Probe(client, key).WorkAsync(1));
        Assert.Equal(2, stats.Activations);
    }

    [Fact]
    public async Task ForcedCollection_RunsOnDeactivateAsync_OfIdleActivationsOnly()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var idle = NewKey();
        var busy = NewKey();
        await Probe(client, idle).WorkAsync(0);
        var blocked = Probe(client, busy).BlockAsync();
        await ProbeStats.For(busy).Blocked.Task.WaitAsync(Wait.Long);

        await client.GrainFactory.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        await Wait.UntilAsync(() => ProbeStats.For(idle).Deactivations.Count == 1, "the idle probe deactivated");
        Assert.Empty(ProbeStats.For(busy).Deactivations);
        ProbeStats.For(busy).Gate.SetResult();
        await blocked.WaitAsync(Wait.Long);
        Assert.Equal(7, await Probe(client, idle).WorkAsync(7));
        Assert.Equal(2, ProbeStats.For(idle).Activations);
    }

    [Fact]
    public async Task Shutdown_LetsTheRunningCallFinish_RunsOnDeactivateAsync_ThenRefusesCalls()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var key = NewKey();
        var stats = ProbeStats.For(key);
        var grain = Probe(client, key);
        var blocked = grain.BlockAsync();
        await stats.Blocked.Task.WaitAsync(Wait.Long);

        var stopping = client.DisposeAsync().AsTask();
        await Task.Delay(200);
        Assert.False(stopping.IsCompleted, "shutdown waits for the running call");
        stats.Gate.SetResult();
        await stopping.WaitAsync(Wait.Long);

        await blocked.WaitAsync(Wait.Long);
        Assert.Equal([DeactivationReasonCode.ShuttingDown], stats.Deactivations);
        await Assert.ThrowsAnyAsync<Exception>(() => grain.WorkAsync(100).WaitAsync(Wait.Long));
        Assert.Equal(0, stats.Overlaps);
    }

    [Fact]
    public async Task ShutdownUnderLoad_EveryCallCompletesOrFails_AndEveryProbeDeactivatesOnce()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var keys = Enumerable.Range(0, 3).Select(_ => NewKey()).ToArray();
        var completed = 0;
        var callers = Enumerable.Range(0, 12).Select(c => Task.Run(async () =>
        {
            for (var i = 0; ; i++)
            {
                try
                {
                    await Probe(client, keys[c % keys.Length]).WorkAsync(i).WaitAsync(Wait.Long);
                    Interlocked.Increment(ref completed);
                }
                catch (Exception e) when (e is not TimeoutException)
                {
                    return e;
                }
            }
        })).ToArray();
        await Wait.UntilAsync(() => Volatile.Read(ref completed) > 500, "calls are flowing");

        await client.DisposeAsync().AsTask().WaitAsync(Wait.Long);

        var errors = await Task.WhenAll(callers).WaitAsync(Wait.Long);
        Assert.All(errors, e => Assert.IsNotType<TimeoutException>(e));
        Assert.All(keys, k => Assert.Equal(0, ProbeStats.For(k).Overlaps));
        Assert.All(keys, k => Assert.Equal([DeactivationReasonCode.ShuttingDown], ProbeStats.For(k).Deactivations));
    }

    [Fact]
    public async Task TheOverlapProbe_DetectsOverlap_WhenCalledConcurrentlyOutsideOrleans()
    {
        var key = NewKey();
        var grain = new ProbeGrain(ProbeStats.For(key));

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => grain.WorkAsync(i, delayMs: 20))));

        Assert.True(ProbeStats.For(key).Overlaps > 0, "the probe must see overlapping calls made outside Orleans");
    }
}
