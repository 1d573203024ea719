using Orleans.Core.Internal;
using System.Collections.Concurrent;
using DocTable.Orleans.Client.Cli;
using DocTable.Orleans.Grains.Storage;
using DocTable.Orleans.Tests.Embedded.Support;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>The table grain across deactivations, restarts and durability settings.</summary>
public sealed class TableLifecycleTests
{
    private const string Table = "life";

    [Fact]
    public async Task TableGrainDeactivatingBetweenCalls_LosesNothing()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var db = client.Table<SimpleRow>(Table);
        var ids = new ConcurrentDictionary<long, (string, int)>();
        var activations = new ConcurrentDictionary<string, byte>();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < 120; i++)
            {
                Assert.True(ids.TryAdd(await db.InsertAsync(new SimpleRow { Process = "c" + c, Number = i }), ("c" + c, i)));
                if (c == 0 && i % 30 == 29)
                {
                    // Deactivate the table grain while the other callers keep writing; the next call re-activates it.
                    activations.TryAdd((await db.Grain.GetStatsAsync()).Activation, 0);
                    await db.Grain.AsReference<IGrainManagementExtension>().DeactivateOnIdle();
                }
            }
        }))).WaitAsync(TimeSpan.FromMinutes(1));

        activations.TryAdd((await db.Grain.GetStatsAsync()).Activation, 0);
        Assert.True(activations.Count > 1, "the table grain should have been deactivated and activated again");
        var rows = await db.SelectAsync();
        Assert.Equal(480, rows.Count);
        Assert.All(rows, r => Assert.Equal(ids[r.Id], (r.Process!, r.Number)));
    }

    [Fact]
    public async Task ACallToATableThatDoesNotExist_FreesItsActivation_AtOnce()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var management = client.GrainFactory.GetGrain<IManagementGrain>(0);
        async Task<int> TableActivations() => (await management.GetSimpleGrainStatistics())
            .Where(s => s.GrainType.Contains(nameof(Grains.TableGrain), StringComparison.Ordinal)).Sum(s => s.ActivationCount);

        await Assert.ThrowsAsync<UnknownTableException>(() => client.GrainFactory.GetGrain<ITableGrain>("ghost").CountAsync(null));

        // Not after the idle age (15 minutes): the activation and its writer thread go once the call is answered.
        await Wait.UntilAsync(async () => await TableActivations() == 0, "the activation of the missing table was deactivated");
        Assert.False(File.Exists(store.TablePath("ghost")));
    }

    [Fact]
    public async Task NormalDurability_StoresAndReopens()
    {
        await using var store = new TempStore();
        await using (var client = await store.StartAsync(o => o.Store.Durability = Durability.Normal))
            await client.Table<SimpleRow>(Table).InsertManyAsync(Enumerable.Range(0, 10).Select(n => new SimpleRow { Number = n }));
        Assert.Equal("wal", store.Query(Table, "PRAGMA journal_mode")[0][0]);
        var reopened = await store.StartAsync();
        Assert.Equal(10, await reopened.Table<SimpleRow>(Table).CountAsync());
    }

    [Fact]
    public async Task Shutdown_CommitsAndCheckpoints_LeavingNoWalBehind()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        await client.Table<SimpleRow>(Table).InsertManyAsync(Enumerable.Range(0, 100).Select(n => new SimpleRow { Number = n }));
        await client.DisposeAsync();

        var wal = store.TablePath(Table) + "-wal";
        Assert.True(!File.Exists(wal) || new FileInfo(wal).Length == 0, "the WAL should be checkpointed into the database on close");
        Assert.Equal(100L, store.Query(Table, $"SELECT COUNT(*) FROM {Table}")[0][0]);
    }

    [Fact]
    public async Task TwoClientsInOneProcess_OnOneDataDirectory_BothWrite()
    {
        await using var store = new TempStore();
        var a = (await store.StartAsync()).Table<SimpleRow>(Table);
        var b = (await store.StartAsync()).Table<SimpleRow>(Table);
        await Task.WhenAll(
            Task.Run(async () => { for (var i = 0; i < 300; i++) await a.InsertAsync(new SimpleRow { Process = "a", Number = i }); }),
            Task.Run(async () => { for (var i = 0; i < 300; i++) await b.InsertAsync(new SimpleRow { Process = "b", Number = i }); }))
            .WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(600, await a.CountAsync());
        Assert.Equal(600, await b.CountAsync());
    }
}
