using System.Diagnostics;
using DocTable.Orleans.Client.Cli;
using DocTable.Orleans.Silo.Cluster;
using DocTable.Orleans.Wire;
using RabbitMQ.Client;
using Xunit;

namespace DocTable.Orleans.Tests.Cluster;

/// <summary>The remote API, spreading, dead-lettering and timeouts, on one shared broker with real silo processes.</summary>
[Collection("Cluster")]
[Trait("Category", "Cluster")]
public sealed class ClusterApiTests(ClusterFixture fixture)
{
    private string BrokerUri => fixture.Broker.Uri;

    private static string Name(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..8];

    [Fact]
    public async Task Remote_table_api_reads_its_own_writes()
    {
        using var scratch = new Scratch();
        await using var silo = await DocTableProcess.StartReadySiloAsync(BrokerUri, scratch.Sub("data"), scratch.Group);
        await using var client = await ClusterChecks.ConnectAsync(BrokerUri);
        var table = Name("api");
        var db = client.Table<SimpleRow>(table);

        var id = await db.InsertAsync(new SimpleRow { Process = "AA", Number = 1 });
        Assert.True(id > 0);
        var ids = await db.InsertManyAsync([new SimpleRow { Process = "BB", Number = 2 }, new SimpleRow { Process = "CC", Number = 3 }]);
        Assert.Equal([id + 1, id + 2], ids);
        Assert.Equal(3, await db.CountAsync());

        var rows = await db.SelectAsync(db["number"] >= 2, [OrderBy.Desc("number")]);
        Assert.Equal([3, 2], rows.Select(r => r.Number));
        Assert.Equal("CC", rows[0].Process);

        Assert.Equal(1, await db.UpdateAsync(new Dictionary<string, object?> { ["process"] = "ZZ" }, db["number"] == 1));
        Assert.Equal("ZZ", (await db.FirstAsync(db["number"] == 1))!.Process);

        await using (var inserter = db.GetQueueInserter(chunkSize: 2))
        {
            for (var n = 4; n <= 8; n++) await inserter.InsertAsync(new SimpleRow { Process = "QI", Number = n });
        }
        Assert.Equal(8, await db.CountAsync());
        Assert.Equal([1, 2], (await db.HeadAsync(2)).Select(r => r.Number));

        var sums = await db.AggregateAsync(new AggregateQuery([Aggregate.Count(), Aggregate.Sum("number")], GroupBy: ["process"]));
        Assert.Equal(["process", "count", "sum_number"], sums.Columns);
        Assert.Equal(new object?[] { "QI", 5L, 30L }, sums.Rows.Single(r => (string?)r[0] == "QI"));
        var streamed = new List<int>();
        await foreach (var row in db.StreamAsync(chunkSize: 3)) streamed.Add(row.Number);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], streamed);

        Assert.Equal(2, await db.DeleteAsync(db["number"] > 6));
        Assert.Equal(6, await db.CountAsync());

        await Assert.ThrowsAsync<UnknownColumnException>(() => db.CountAsync(db["nope"] == 1));
        await Assert.ThrowsAsync<InvalidQueryException>(() => db.DeleteAsync());
        await Assert.ThrowsAsync<UnknownTableException>(() => client.GrainFactory.GetGrain<ITableGrain>(Name("missing")).CountAsync(null));
        Assert.Equal(6, await db.CountAsync());

        await using var count = DocTableProcess.Start("count", "--broker", BrokerUri, "--table", table, "--where", "number >= 3");
        Assert.Equal(0, await count.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Equal("4", count.Output.Trim());
        await using var head = DocTableProcess.Start("head", "--broker", BrokerUri, "--table", table, "-n", "2");
        Assert.Equal(0, await head.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("ZZ", head.Output);
    }

    [Fact]
    public async Task Two_silos_spread_tables_by_rendezvous_rank()
    {
        using var scratch = new Scratch();
        var data = scratch.Sub("data");
        var ids = new[] { "a-" + scratch.Group, "b-" + scratch.Group };
        await using var first = DocTableProcess.Start("silo", "--broker", BrokerUri, "--data", data, "--group", scratch.Group, "--silo-id", ids[0]);
        await first.WaitForOutputAsync("caught up");
        await using var second = DocTableProcess.Start("silo", "--broker", BrokerUri, "--data", data, "--group", scratch.Group, "--silo-id", ids[1]);
        await second.WaitForOutputAsync("caught up");
        await first.WaitForOutputAsync($"Silo {ids[1]} joined group");

        // Two tables each silo ranks first for.
        var tables = new List<(string Table, DocTableProcess Owner)>();
        for (var i = 0; tables.Count(t => t.Owner == first) < 2 || tables.Count(t => t.Owner == second) < 2; i++)
        {
            var name = $"spread_{scratch.Group}_{i}";
            var firstWins = Rendezvous.Outranks(ids[0], ids[1], name);
            if (tables.Count(t => t.Owner == (firstWins ? first : second)) < 2) tables.Add((name, firstWins ? first : second));
        }
        await using var client = await ClusterChecks.ConnectAsync(BrokerUri);
        foreach (var (table, _) in tables)
            await client.Table<SimpleRow>(table).InsertAsync(new SimpleRow { Process = "S", Number = 1 });
        foreach (var (table, owner) in tables)
        {
            await owner.WaitForOutputAsync($"Table {table}: this silo is the active owner");
            var other = owner == first ? second : first;
            Assert.DoesNotContain($"Table {table}: this silo is the active owner", other.Output);
            Assert.Equal(1, await client.Table<SimpleRow>(table).CountAsync());
        }
    }

    [Fact]
    public async Task Malformed_message_is_dead_lettered_and_the_table_keeps_serving()
    {
        using var scratch = new Scratch();
        await using var silo = await DocTableProcess.StartReadySiloAsync(BrokerUri, scratch.Sub("data"), scratch.Group);
        await using var client = await ClusterChecks.ConnectAsync(BrokerUri);
        var table = Name("dlq");
        var db = client.Table<SimpleRow>(table);
        await db.InsertAsync(new SimpleRow { Process = "AA", Number = 1 });

        var garbage = "not a grain call \u0001\u0002"u8.ToArray();
        var unknownColumn = new GrainCall("InsertAsync", [new RowBatch(["nope"], [[1L]]), new InsertOptions(ProducerId: "raw", Sequence: 1)]).Encode();
        var factory = new ConnectionFactory { Uri = new Uri(BrokerUri), AutomaticRecoveryEnabled = false };
        await using (var connection = await factory.CreateConnectionAsync())
        await using (var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true)))
        {
            await channel.BasicPublishAsync("", ClusterTopology.TableQueue(table), false, new BasicProperties { Persistent = true }, garbage);
            await channel.BasicPublishAsync("", ClusterTopology.TableQueue(table), false, new BasicProperties { Persistent = true }, unknownColumn);
        }
        await silo.WaitForOutputAsync($"Table {table}: dead-lettered message");
        await silo.WaitForOutputAsync("InsertAsync refused: UnknownColumn");
        Assert.Contains("Unknown call format version", silo.Output);

        await db.InsertAsync(new SimpleRow { Process = "BB", Number = 2 });
        Assert.Equal(2, await db.CountAsync());
        Assert.True(await DeadLetterQueueHoldsAsync(garbage));
        Assert.True(await DeadLetterQueueHoldsAsync(unknownColumn));
    }

    [Fact]
    public async Task A_call_no_silo_answers_fails_with_a_timeout_promptly()
    {
        var timeout = TimeSpan.FromSeconds(3);
        await using var client = await ClusterChecks.ConnectAsync(BrokerUri, timeout);
        var stopwatch = Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<GrainCallTimeoutException>(() => client.Table<SimpleRow>(Name("nobody")).CountAsync());
        stopwatch.Stop();
        Assert.Contains("No silo answered", error.Message);
        Assert.InRange(stopwatch.Elapsed, timeout - TimeSpan.FromMilliseconds(100), timeout + TimeSpan.FromSeconds(10));
    }

    private async Task<bool> DeadLetterQueueHoldsAsync(byte[] body)
    {
        var factory = new ConnectionFactory { Uri = new Uri(BrokerUri), AutomaticRecoveryEnabled = false };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        for (var i = 0; i < 10_000; i++)
        {
            var message = await channel.BasicGetAsync(ClusterTopology.DeadLetterQueue, autoAck: false);
            if (message is null) return false;
            if (message.Body.Span.SequenceEqual(body)) return true;
        }
        return false;
    }
}
