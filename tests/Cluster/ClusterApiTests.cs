using System.Diagnostics;
using DocTable.Orleans.Tests.Cluster.Support;
using DocTable.Orleans.Tests.Embedded.Support;
using Xunit;
using Xunit.Abstractions;

namespace DocTable.Orleans.Tests.Cluster;

/// <summary>
/// Issue 11, the API across a real process boundary: a client in the test process
/// (<see cref="DocTableClient.ConnectAsync"/>) against a silo process, and what a client is told when
/// there is no cluster to connect to.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ClusterApiTests(ITestOutputHelper output)
{
    private static readonly TimeSpan ConnectBound = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task A_client_in_another_process_reads_its_own_writes_and_gets_typed_errors_intact()
    {
        await using var cluster = await ClusterHarness.StartAsync(output);
        var data = cluster.Dir("data");
        var silo = cluster.StartSilo("silo", "g", data);
        // The same operations on an embedded silo (no process boundary) give the reference errors.
        await using var reference = new TempStore();
        var local = await reference.StartAsync();
        await silo.WaitReadyAsync();
        var client = await cluster.ConnectAsync();
        var db = client.Table<KeyedRow>("members");
        var localDb = local.Table<KeyedRow>("members");

        // Create, insert, and read back at once.
        var id = await db.InsertAsync(new KeyedRow { Key = "ann", Score = 1 });
        Assert.Equal(1, await db.CountAsync());
        Assert.Equal("ann", (await db.FirstAsync(db["id"] == id))!.Key);
        var ids = await db.InsertManyAsync([new KeyedRow { Key = "bob", Score = 2 }, new KeyedRow { Key = "cy", Score = 3, Tag = "x" }]);
        Assert.Equal([id + 1, id + 2], ids);
        Assert.Equal(3, await db.CountAsync());
        Assert.True(File.Exists(Path.Combine(data, "members.db")), "the table's file is in the silo's data directory");

        var rows = await db.SelectAsync(db["score"] >= 2, [OrderBy.Desc("score")]);
        Assert.Equal(["cy", "bob"], rows.Select(r => r.Key));
        Assert.Equal(["x", null], rows.Select(r => r.Tag));

        Assert.Equal(1, await db.UpdateAsync(new Dictionary<string, object?> { ["score"] = 20 }, db["key"] == "bob"));
        Assert.Equal(20, (await db.FirstAsync(db["key"] == "bob"))!.Score);

        await using (var inserter = db.GetQueueInserter(chunkSize: 2))
        {
            for (var n = 0; n < 5; n++) await inserter.InsertAsync(new KeyedRow { Key = $"q{n}", Score = 100 + n });
        }
        Assert.Equal(8, await db.CountAsync());

        Assert.Equal(2, await db.DeleteAsync(db["score"] >= 103));
        Assert.Equal(6, await db.CountAsync());
        Assert.Equal(["ann", "bob"], (await db.HeadAsync(2)).Select(r => r.Key));
        var sums = await db.AggregateAsync(new AggregateQuery([Aggregate.Count(), Aggregate.Sum("score")], db["score"] >= 100));
        Assert.Equal(new object?[] { 3L, 303L }, sums.Rows.Single());
        var streamed = new List<string>();
        await foreach (var row in db.StreamAsync(chunkSize: 4)) streamed.Add(row.Key);
        Assert.Equal(["ann", "bob", "cy", "q0", "q1", "q2"], streamed);

        // The reference table gets the same rows, so that the same bad calls fail the same way.
        await localDb.InsertManyAsync(await db.SelectAsync());

        // Bad input: the typed error arrives with its type and message, and nothing changes.
        await SameErrorAsync<UnknownColumnException>(t => t.CountAsync(t["nope"] == 1), "'nope'");
        var unique = await SameErrorAsync<ConstraintViolationException>(t => t.InsertAsync(new KeyedRow { Key = "ann", Score = 9 }), "'key'");
        Assert.Null(unique.Constraint);
        await SameErrorAsync<NullValueException>(t => t.Grain.InsertAsync(new RowBatch(["key", "score"], [["dan", 4L], [null, 5L]]), InsertOptions.Default), "'key'");
        await SameErrorAsync<InvalidQueryException>(t => t.DeleteAsync(), "allRows");
        await SameErrorAsync<InvalidIdentifierException>(t => t == db
            ? client.GrainFactory.GetGrain<ITableGrain>("bad name").OpenAsync(db.Schema)
            : local.GrainFactory.GetGrain<ITableGrain>("bad name").OpenAsync(db.Schema), "'bad name'");
        var readOnly = await SameErrorAsync<ReadOnlyTableException>(t => (t == db ? client : local).Table<KeyedRow>("members", readOnly: true)
            .InsertAsync(new KeyedRow { Key = "eve", Score = 6 }), "read-only");
        var missing = await Assert.ThrowsAsync<UnknownTableException>(() => client.Table<KeyedRow>("missing", readOnly: true).CountAsync());
        var localMissing = await Assert.ThrowsAsync<UnknownTableException>(() => local.Table<KeyedRow>("missing", readOnly: true).CountAsync());
        Assert.Equal(localMissing.Message.Replace(reference.DataDir, "DATA", StringComparison.Ordinal), missing.Message.Replace(data, "DATA", StringComparison.Ordinal));
        Assert.Contains($"'missing' does not exist in {data}", missing.Message);
        Assert.False(File.Exists(Path.Combine(data, "missing.db")), "reading a missing table created no file");
        Assert.False(File.Exists(Path.Combine(data, "bad name.db")));

        Assert.Equal(6, await db.CountAsync());
        Assert.Equal(await localDb.CountAsync(), await db.CountAsync());
        Assert.Equal(6, await client.Table<KeyedRow>("members", readOnly: true).CountAsync()); // a read-only handle reads
        output.WriteLine($"e.g. {readOnly.GetType().Name}: {readOnly.Message}");

        // Runs f on the cluster's table and on the reference table: both fail with T and the same message.
        async Task<T> SameErrorAsync<T>(Func<Table<KeyedRow>, Task> f, string named) where T : Exception
        {
            var remote = await Assert.ThrowsAsync<T>(() => f(db));
            var expected = await Assert.ThrowsAsync<T>(() => f(localDb));
            Assert.Equal(expected.Message, remote.Message);
            Assert.Contains(named, remote.Message);
            Assert.Equal(6, await db.CountAsync());
            return remote;
        }
    }

    [Fact]
    public async Task Connecting_where_no_Redis_runs_fails_fast_naming_the_address_and_what_to_start()
    {
        var port = FreePorts.Next();
        var address = $"redis://127.0.0.1:{port}/test-{Guid.NewGuid().ToString("N")[..8]}";
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ClusterUnavailableException>(() => DocTableClient.ConnectAsync(address));
        clock.Stop();
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.00} s: {error.Message}");
        Assert.True(clock.Elapsed < ConnectBound, $"failing took {clock.Elapsed}");
        Assert.Contains(address, error.Message);
        Assert.Contains("does not answer", error.Message);
        Assert.Contains($"redis-server --port {port}", error.Message);
    }

    [Fact]
    public async Task Connecting_to_a_cluster_id_no_silo_runs_fails_fast_naming_the_address_and_what_to_start()
    {
        await using var cluster = await ClusterHarness.StartAsync(output);
        var clock = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<ClusterUnavailableException>(() => DocTableClient.ConnectAsync(cluster.Cluster));
        clock.Stop();
        output.WriteLine($"{clock.Elapsed.TotalSeconds:0.00} s: {error.Message}");
        Assert.True(clock.Elapsed < ConnectBound, $"failing took {clock.Elapsed}");
        Assert.Contains($"No silo of cluster '{cluster.ClusterId}'", error.Message);
        Assert.Contains(cluster.Cluster, error.Message);
        Assert.Contains($"doctable silo --cluster {cluster.Cluster}", error.Message);
    }
}
