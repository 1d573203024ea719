using System.Collections.Concurrent;
using DocTable.Orleans.Client.Cli;
using DocTable.Orleans.Grains;
using DocTable.Orleans.Tests.Embedded.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Xunit;

namespace DocTable.Orleans.Tests.Hosting;

/// <summary>
/// Several silos in one process with Orleans' TestingHost (in-memory membership): a table moves to a
/// surviving silo of its group when its silo dies, a table of another group is never opened there,
/// and typed errors survive the client's serialization.
/// </summary>
public sealed class TestClusterTests
{
    /// <summary>A table catalog the test's silos share (the cluster's Redis catalog, in memory).</summary>
    private sealed class SharedCatalog : ITableCatalog
    {
        private readonly ConcurrentDictionary<string, string> _groups = new();

        public Task<string?> GroupOfAsync(string table) => Task.FromResult(_groups.TryGetValue(table, out var g) ? g : null);

        public Task<string> ClaimAsync(string table, string group) => Task.FromResult(_groups.GetOrAdd(table, group));

        public Task<IReadOnlyDictionary<string, int>> TablesPerGroupAsync()
            => Task.FromResult<IReadOnlyDictionary<string, int>>(_groups.Values.GroupBy(g => g).ToDictionary(g => g.Key, g => g.Count()));

        public void Assign(string table, string group) => _groups[table] = group;
    }

    /// <summary>
    /// A catalog whose Redis goes away after placement: the first read of each table's group (placement)
    /// answers, every later one (the table grain's own check on activation) fails as an unreachable Redis does.
    /// </summary>
    private sealed class CatalogLosingRedis(string group) : ITableCatalog
    {
        private readonly ConcurrentDictionary<string, int> _reads = new();

        public Task<string?> GroupOfAsync(string table)
            => _reads.AddOrUpdate(table, 1, (_, n) => n + 1) == 1
                ? Task.FromResult<string?>(group)
                : Task.FromException<string?>(new StackExchange.Redis.RedisConnectionException(StackExchange.Redis.ConnectionFailureType.UnableToConnect, "It was not possible to connect to the redis server(s) (test)."));

        public Task<string> ClaimAsync(string table, string group) => Task.FromResult(group);

        public Task<IReadOnlyDictionary<string, int>> TablesPerGroupAsync() => Task.FromResult<IReadOnlyDictionary<string, int>>(new Dictionary<string, int>());
    }

    private static async Task<InProcessTestCluster> StartAsync(Func<string, (string Directory, string Group)> siloSettings, ITableCatalog catalog, short silos = 2)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((options, silo) =>
        {
            var (directory, group) = siloSettings(options.SiloName);
            silo.Services.AddSingleton<ITableCatalog>(catalog);
            silo.AddDocTable(o =>
            {
                o.DataDirectory = directory;
                o.Group = group;
            });
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    private static SiloAddress HostOf(InProcessTestCluster cluster, TableStats stats)
        => cluster.Silos.Single(s => s.SiloAddress.ToString() == stats.Silo).SiloAddress;

    [Fact]
    public async Task KillingTheSiloOfATable_MovesItToTheOtherSiloOfItsGroup_WithItsRows()
    {
        await using var store = new TempStore();
        var catalog = new SharedCatalog();
        await using var cluster = await StartAsync(_ => (store.DataDir, "shared"), catalog);
        var client = DocTableClient.Over(cluster.Client);
        var table = client.Table<SimpleRow>("moving");
        await table.InsertManyAsync(Enumerable.Range(0, 100).Select(n => new SimpleRow { Process = "before", Number = n }));
        var before = await table.Grain.GetStatsAsync();

        await cluster.KillSiloAsync(cluster.Silos.Single(s => s.SiloAddress.Equals(HostOf(cluster, before))));

        var after = await RetryPolicy.Default.RunAsync(() => table.Grain.GetStatsAsync(), CancellationToken.None);
        Assert.NotEqual(before.Silo, after.Silo);
        await table.InsertManyAsync(Enumerable.Range(100, 10).Select(n => new SimpleRow { Process = "after", Number = n }));
        var numbers = (await table.SelectAsync()).Select(r => r.Number).ToArray();
        Assert.Equal(Enumerable.Range(0, 110), numbers.Order());
    }

    [Fact]
    public async Task ATableIsPlacedOnlyInItsGroup_AndFailsTypedWhenItsGroupIsGone()
    {
        await using var a = new TempStore();
        await using var b = new TempStore();
        var catalog = new SharedCatalog();
        catalog.Assign("in_a", "a");
        catalog.Assign("in_b", "b");
        await using var cluster = await StartAsync(name => name == "Silo_0" ? (a.DataDir, "a") : (b.DataDir, "b"), catalog);
        var client = DocTableClient.Over(cluster.Client);

        for (var i = 0; i < 3; i++)
        {
            await client.Table<SimpleRow>("in_a").InsertAsync(new SimpleRow { Process = "a", Number = i });
            await client.Table<SimpleRow>("in_b").InsertAsync(new SimpleRow { Process = "b", Number = i });
        }
        Assert.Equal(cluster.Silos[0].SiloAddress.ToString(), (await client.Table<SimpleRow>("in_a").Grain.GetStatsAsync()).Silo);
        Assert.Equal(cluster.Silos[1].SiloAddress.ToString(), (await client.Table<SimpleRow>("in_b").Grain.GetStatsAsync()).Silo);
        Assert.True(File.Exists(a.TablePath("in_a")) && !File.Exists(b.TablePath("in_a")));
        Assert.True(File.Exists(b.TablePath("in_b")) && !File.Exists(a.TablePath("in_b")));

        await cluster.StopSiloAsync(cluster.Silos[1]);
        var error = await Assert.ThrowsAsync<TableUnavailableException>(() => client.Table<SimpleRow>("in_b").CountAsync());
        Assert.Contains("'b'", error.Message);
        Assert.False(File.Exists(a.TablePath("in_b")), "a silo of group a must never create a file for a table of group b");
        Assert.Equal(3, await client.Table<SimpleRow>("in_a").CountAsync());
    }

    [Fact]
    public async Task TypedErrors_ReachAClientThroughOrleansSerialization()
    {
        await using var store = new TempStore();
        await using var cluster = await StartAsync(_ => (store.DataDir, "default"), new SharedCatalog(), silos: 1);
        var client = DocTableClient.Over(cluster.Client);
        Assert.False(client.InSilo);
        var table = client.Table<SimpleRow>("typed");
        await table.InsertAsync(new SimpleRow { Process = "x", Number = 1 });

        var unknown = await Assert.ThrowsAsync<UnknownColumnException>(() => table.Grain.InsertAsync(new RowBatch(["nope"], [[1L]]), InsertOptions.Default));
        Assert.Contains("'nope'", unknown.Message);
        await Assert.ThrowsAsync<NullValueException>(() => table.Grain.InsertAsync(new RowBatch(["process", "number"], [["x", null]]), InsertOptions.Default));
        await Assert.ThrowsAsync<InvalidQueryException>(() => table.DeleteAsync());
        await Assert.ThrowsAsync<UnknownTableException>(() => client.GrainFactory.GetGrain<ITableGrain>("missing").CountAsync(null));
        Assert.Equal(1, await table.CountAsync());
    }

    [Fact]
    public async Task ACatalogThatCannotBeReachedOnActivation_FailsTheCallWithTableUnavailable()
    {
        await using var store = new TempStore();
        await using var cluster = await StartAsync(_ => (store.DataDir, "default"), new CatalogLosingRedis("default"), silos: 1);
        var client = DocTableClient.Over(cluster.Client);

        var error = await Assert.ThrowsAsync<TableUnavailableException>(() => client.Table<SimpleRow>("cut_off").CountAsync());
        Assert.Contains("'cut_off'", error.Message);
        Assert.Contains("catalog", error.Message);
        Assert.Contains("It was not possible to connect to the redis server(s) (test).", error.Message);
        Assert.False(File.Exists(store.TablePath("cut_off")), "a table whose group could not be read must not open any file");
    }

    [Fact]
    public async Task TheRedisCatalog_NamesItsAddressInErrors_WithoutThePassword()
    {
        await using var catalog = new RedisTableCatalog(ClusterAddress.Parse("redis://ops:secret@cache.example:6380/prod"));
        ITableCatalog described = catalog;
        Assert.Equal("the table catalog in the cluster's Redis at redis://ops:***@cache.example:6380/prod", described.Location);
    }
}
