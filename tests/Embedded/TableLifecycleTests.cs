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
        var client = store.Start(o =>
        {
            o.Runtime.IdleTimeout = TimeSpan.FromMilliseconds(30);
            o.Runtime.CollectionInterval = TimeSpan.FromMilliseconds(10);
        });
        var db = client.Table<SimpleRow>(Table);
        var ids = new ConcurrentDictionary<long, (string, int)>();
        var idleSeen = 0;

        await Task.WhenAll(Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
        {
            for (var i = 0; i < 120; i++)
            {
                Assert.True(ids.TryAdd(await db.InsertAsync(new SimpleRow { Process = "c" + c, Number = i }), ("c" + c, i)));
                if (i % 30 == 29)
                {
                    // Pause until the runtime has collected the idle table grain, then go on.
                    await Wait.UntilAsync(() => client.Silo!.Runtime.ActivationCount == 0, "the idle table grain was collected");
                    Interlocked.Increment(ref idleSeen);
                }
            }
        }))).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(idleSeen > 0);
        var rows = await db.SelectAsync();
        Assert.Equal(480, rows.Count);
        Assert.All(rows, r => Assert.Equal(ids[r.Id], (r.Process!, r.Number)));
    }

    [Fact]
    public async Task NormalDurability_StoresAndReopens()
    {
        await using var store = new TempStore();
        await using (var client = store.Start(o => o.Store.Durability = Durability.Normal))
            await client.Table<SimpleRow>(Table).InsertManyAsync(Enumerable.Range(0, 10).Select(n => new SimpleRow { Number = n }));
        Assert.Equal("wal", store.Query(Table, "PRAGMA journal_mode")[0][0]);
        var reopened = store.Start();
        Assert.Equal(10, await reopened.Table<SimpleRow>(Table).CountAsync());
    }

    [Fact]
    public async Task Shutdown_CommitsAndCheckpoints_LeavingNoWalBehind()
    {
        await using var store = new TempStore();
        var client = store.Start();
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
        var a = store.Start().Table<SimpleRow>(Table);
        var b = store.Start().Table<SimpleRow>(Table);
        await Task.WhenAll(
            Task.Run(async () => { for (var i = 0; i < 300; i++) await a.InsertAsync(new SimpleRow { Process = "a", Number = i }); }),
            Task.Run(async () => { for (var i = 0; i < 300; i++) await b.InsertAsync(new SimpleRow { Process = "b", Number = i }); }))
            .WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(600, await a.CountAsync());
        Assert.Equal(600, await b.CountAsync());
    }
}
