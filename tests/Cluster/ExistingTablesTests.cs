using DocTable.Orleans.Client.Cli;
using DocTable.Orleans.Tests.Cluster.Support;
using Xunit;
using Xunit.Abstractions;

namespace DocTable.Orleans.Tests.Cluster;

/// <summary>
/// A silo that starts over a data directory already holding tables (made in embedded mode, by
/// <c>doctable serve</c>, or before the catalog was wiped) registers them in the table catalog for its
/// group before it joins the cluster, so their first call finds their rows instead of an empty table
/// created in another group's directory. An entry the catalog already holds is never overwritten; a
/// table given to another group whose file is here too is reported with a warning naming both groups.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ExistingTablesTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Tables_already_in_a_groups_directory_are_registered_for_it_at_startup_and_keep_their_rows()
    {
        await using var cluster = await ClusterHarness.StartAsync(output);
        string dirA = cluster.Dir("a"), dirB = cluster.Dir("b");

        // Before any silo runs: tables with rows in group b's directory, written by an embedded silo.
        var old = Enumerable.Range(0, 6).Select(i => $"old{i}").ToArray();
        int RowsOf(string table) => 10 + Array.IndexOf(old, table);
        await using (var embedded = await DocTableClient.StartEmbeddedAsync(dirB))
        {
            foreach (var name in old)
                await embedded.Table<SimpleRow>(name).InsertManyAsync(Enumerable.Range(0, RowsOf(name)).Select(n => new SimpleRow { Process = name, Number = n }));
            await embedded.Table<SimpleRow>("elsewhere").InsertManyAsync(Enumerable.Range(0, 5).Select(n => new SimpleRow { Process = "b", Number = n }));
        }
        foreach (var name in old) Assert.Equal(RowsOf(name), ClusterChecks.StoredRows(dirB, name));
        // Files that are not tables: SQLite side files without a table, illegal and reserved names, a folder.
        foreach (var file in new[] { "ghost.db-wal", "ghost.db-shm", "ghost.db-journal", "bad-name.db", "sqlite_x.db", "__doctable_x.db", "notes.txt" })
            await File.WriteAllTextAsync(Path.Combine(dirB, file), "not a table");
        Directory.CreateDirectory(Path.Combine(dirB, "folder.db"));

        // The catalog already gives "elsewhere" to group a (its file in b is another copy), and gives
        // group b ten tables more than group a: placement would claim every table it does not know yet
        // for group a, so without the registration every old table would get an empty file there.
        var filler = Enumerable.Range(0, 10).Select(i => $"filler{i}").ToArray();
        var existing = filler.ToDictionary(f => f, _ => "b");
        existing["elsewhere"] = "a";
        await cluster.Redis.SetHashAsync(cluster.CatalogKey, existing);

        // Group a's silo first (it could take claims as soon as it runs), then group b's.
        var siloA = (await cluster.StartSilosAsync(("silo-a", "a", dirA)))[0];
        var siloB = (await cluster.StartSilosAsync(("silo-b", "b", dirB)))[0];

        // The catalog: every old table registered for b, the existing entry for "elsewhere" unchanged, nothing for the non-tables.
        var catalog = await cluster.Redis.HashAsync(cluster.CatalogKey);
        output.WriteLine("catalog: " + string.Join(", ", catalog.OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => $"{e.Key}={e.Value}")));
        Assert.Equal(old.Concat(filler).Append("elsewhere").Order(StringComparer.Ordinal), catalog.Keys.Order(StringComparer.Ordinal));
        Assert.All(old, name => Assert.Equal("b", catalog[name]));
        Assert.Equal("a", catalog["elsewhere"]);

        // Silo b said so: a warning naming the table, its file here, the holding group and its own group.
        await siloB.Process.WaitForOutputAsync("Table elsewhere has a file here", Bound);
        var warning = siloB.Process.Lines.First(l => l.Contains("Table elsewhere has a file here", StringComparison.Ordinal));
        output.WriteLine("silo b: " + warning.Trim());
        Assert.Contains(Path.Combine(dirB, "elsewhere.db"), warning);
        Assert.Contains("failover group 'a'", warning);
        Assert.Contains("this silo's group 'b'", warning);
        Assert.DoesNotContain(siloB.Process.Lines, l => l.Contains("Table old", StringComparison.Ordinal) && l.Contains("has a file here", StringComparison.Ordinal));

        // A client reads every old table: all its rows, from silo b; no file for it appears in a's directory.
        var client = await cluster.ConnectAsync();
        foreach (var name in old)
        {
            var table = client.Table<SimpleRow>(name);
            Assert.Equal(RowsOf(name), await table.CountAsync());
            var rows = await table.SelectAsync(orderBy: [OrderBy.Asc("number")]);
            Assert.Equal(Enumerable.Range(0, RowsOf(name)), rows.Select(r => r.Number));
            Assert.All(rows, r => Assert.Equal(name, r.Process));
            Assert.Same(siloB, await cluster.HostOfAsync(table.Grain));
        }
        await client.Table<SimpleRow>(old[0]).InsertAsync(new SimpleRow { Process = "after", Number = 99 });
        Assert.Equal(RowsOf(old[0]) + 1, await client.Table<SimpleRow>(old[0]).CountAsync());
        foreach (var name in old) Assert.False(File.Exists(Path.Combine(dirA, name + ".db")), $"{name}.db was created in group a's directory");

        // The premise holds: a table no group held is claimed for group a, the group with fewer tables.
        await client.Table<SimpleRow>("fresh").InsertAsync(new SimpleRow { Process = "fresh", Number = 1 });
        Assert.Equal("a", (await cluster.Redis.HashAsync(cluster.CatalogKey))["fresh"]);
        Assert.True(File.Exists(Path.Combine(dirA, "fresh.db")));
        Assert.False(File.Exists(Path.Combine(dirB, "fresh.db")));

        // "elsewhere" stays as it was in b's directory: silo b never opened it.
        Assert.Equal(5, ClusterChecks.StoredRows(dirB, "elsewhere"));
        Assert.False(siloA.Process.HasExited);
        Assert.False(siloB.Process.HasExited);
    }
}
