using System.Diagnostics;
using DocTable.Orleans.Client.Cli;
using DocTable.Orleans.Client.Tools;
using DocTable.Orleans.Tests.Cluster.Support;
using Xunit;
using Xunit.Abstractions;

namespace DocTable.Orleans.Tests.Cluster;

/// <summary>
/// Issue 11, where a table's data lives: two failover groups on separate data directories. New tables
/// spread over the groups, a table's file exists only in its group's directory, a table whose group is
/// down fails with a typed error naming the group (and is never opened elsewhere), and it answers again
/// with its rows once a silo of its group returns on that directory.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class FailoverGroupTests(ITestOutputHelper output)
{
    private const int Tables = 6;

    [Fact]
    public async Task Tables_spread_over_groups_stay_in_their_group_and_wait_for_it_to_return()
    {
        await using var cluster = await ClusterHarness.StartAsync(output);
        string dirA = cluster.Dir("a"), dirB = cluster.Dir("b");
        var silos = await cluster.StartSilosAsync(("silo-a", "a", dirA), ("silo-b", "b", dirB));
        var (siloA, siloB) = (silos[0], silos[1]);
        var client = await cluster.ConnectAsync();

        // Several tables, each with rows of its own.
        var names = Enumerable.Range(0, Tables).Select(i => $"t{i}").ToArray();
        for (var i = 0; i < Tables; i++)
            await client.Table<SimpleRow>(names[i]).InsertManyAsync(Enumerable.Range(0, 10 + i).Select(n => new SimpleRow { Process = names[i], Number = n }));

        // The catalog records a group for each; both groups got tables.
        var catalog = await cluster.Redis.HashAsync(cluster.CatalogKey);
        output.WriteLine("catalog: " + string.Join(", ", catalog.OrderBy(e => e.Key).Select(e => $"{e.Key}={e.Value}")));
        Assert.Equal(names, catalog.Keys.Order());
        Assert.All(catalog.Values, g => Assert.Contains(g, new[] { "a", "b" }));
        Assert.Contains("a", catalog.Values);
        Assert.Contains("b", catalog.Values);

        // Each table lives on a silo of its group, and its file only in that group's directory.
        foreach (var name in names)
        {
            var (home, other) = catalog[name] == "a" ? (siloA, siloB) : (siloB, siloA);
            Assert.Same(home, await cluster.HostOfAsync(client.GrainFactory.GetGrain<ITableGrain>(name)));
            Assert.True(File.Exists(Path.Combine(home.Data, name + ".db")), $"{name}.db is missing from group {home.Group}'s directory");
            Assert.False(File.Exists(Path.Combine(other.Data, name + ".db")), $"{name}.db exists in group {other.Group}'s directory too");
        }

        // Group a's only silo stops: its tables fail with a typed error naming the group, within a bound.
        var inA = names.Where(n => catalog[n] == "a").ToArray();
        var inB = names.Where(n => catalog[n] == "b").ToArray();
        siloA.Terminate();
        Assert.Equal(0, await siloA.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<TableUnavailableException>(() => client.Table<SimpleRow>(inA[0]).CountAsync());
        clock.Stop();
        output.WriteLine($"{inA[0]} failed after {clock.Elapsed.TotalSeconds:0.00} s: {error.Message}");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(15), $"the call to a table of a stopped group took {clock.Elapsed} to fail");
        Assert.Contains($"Table '{inA[0]}' lives in failover group 'a'", error.Message);
        Assert.Contains("--group a", error.Message);
        // Group b's tables keep working meanwhile, and silo b never opened a file of group a.
        foreach (var name in inB) Assert.Equal(10 + Array.IndexOf(names, name), await client.Table<SimpleRow>(name).CountAsync());
        foreach (var name in inA) Assert.False(File.Exists(Path.Combine(dirB, name + ".db")), $"silo b created {name}.db");
        Assert.False(siloB.Process.HasExited);

        // Silo a returns on its directory: the table answers again with its rows.
        var again = cluster.StartSilo("silo-a again", "a", dirA);
        await again.WaitReadyAsync();
        foreach (var name in inA)
        {
            var table = client.Table<SimpleRow>(name);
            var rows = await table.SelectAsync(orderBy: [OrderBy.Asc("number")]);
            Assert.Equal(Enumerable.Range(0, 10 + Array.IndexOf(names, name)), rows.Select(r => r.Number));
            Assert.All(rows, r => Assert.Equal(name, r.Process));
            Assert.Same(again, await cluster.HostOfAsync(table.Grain));
        }
        await client.Table<SimpleRow>(inA[0]).InsertAsync(new SimpleRow { Process = "after", Number = 99 });
        Assert.Equal(1, await client.Table<SimpleRow>(inA[0]).CountAsync(Col.Of("process") == "after"));
        foreach (var name in inA) Assert.False(File.Exists(Path.Combine(dirB, name + ".db")));
    }
}
