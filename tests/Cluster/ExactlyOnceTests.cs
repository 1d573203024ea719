using System.Diagnostics;
using System.Globalization;
using DocTable.Orleans.Client.Cli;
using DocTable.Orleans.Client.Tools;
using DocTable.Orleans.Tests.Cluster.Support;
using Xunit;
using Xunit.Abstractions;

namespace DocTable.Orleans.Tests.Cluster;

/// <summary>
/// Issue 11, exactly once under failure: two silos of one failover group share one data directory;
/// four producer processes (<c>doctable produce-worker</c>, Orleans clients retrying with their producer
/// id and sequence numbers) each ingest 200,000 rows into one table while a fault lands mid-ingest.
/// Every producer still ends with exit code 0, and the table ends with every row exactly once.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ExactlyOnceTests(ITestOutputHelper output)
{
    private const int Producers = 4;
    private const long Rows = 200_000;
    private const long Total = Producers * Rows;
    /// <summary>Rows each producer has stored before a fault lands: some, far from all.</summary>
    private const long FaultAt = 5_000;
    private static readonly TimeSpan IngestBound = TimeSpan.FromMinutes(4);

    [Fact]
    public Task Killing_the_hosting_silo_mid_ingest_loses_and_duplicates_nothing()
        => IngestThroughAsync(inFlight: 4, run => StopHostAsync(run, graceful: false));

    [Fact]
    public Task Stopping_the_hosting_silo_with_SIGTERM_mid_ingest_hands_the_table_over_exactly()
        => IngestThroughAsync(inFlight: 4, run => StopHostAsync(run, graceful: true));

    [Fact]
    public Task Killing_the_hosting_silo_with_eight_batches_per_producer_in_flight_is_exact()
        => IngestThroughAsync(inFlight: 8, run => StopHostAsync(run, graceful: false));

    [Fact]
    public Task A_killed_producer_process_rerun_under_its_id_resumes_without_duplicates()
        => IngestThroughAsync(inFlight: 4, async run =>
        {
            var victim = run.Producers[1];
            var range = run.Ranges[1];
            await ClusterChecks.WaitUntilIngestingAsync(run.Data, run.Table, [range], FaultAt, () => !victim.HasExited);
            await victim.KillAsync();
            var atKill = ClusterChecks.StoredRows(run.Data, run.Table, range.Process);
            run.Cluster.Log($"killed {victim} with {atKill:N0} of its {Rows:N0} rows stored");
            Assert.True(atKill < Rows, "the producer finished before it was killed; the test proves nothing");
            Assert.NotEqual(0, victim.ExitCode);

            var rerun = run.Cluster.StartProducer(run.Table, range, inFlight: 4);
            run.Producers[1] = rerun;
            await ClusterChecks.AssertAllSucceedAsync([rerun], "done ", IngestBound);
            // The rerun asked the table what it holds and sent only the rest: at most the batches the
            // killed process still had in flight were stored after the count above.
            var done = Assert.Single(rerun.Lines, l => l.StartsWith("done ", StringComparison.Ordinal));
            var sent = long.Parse(done["done ".Length..], CultureInfo.InvariantCulture);
            run.Cluster.Log($"the rerun stored {sent:N0} rows");
            Assert.InRange(sent, Rows - atKill - 4 * 1000, Rows - atKill);
        });

    [Fact]
    public Task A_Redis_restart_mid_ingest_loses_and_duplicates_nothing()
        => IngestThroughAsync(inFlight: 4, persistentRedis: true, fault: async run =>
        {
            await ClusterChecks.WaitUntilIngestingAsync(run.Data, run.Table, run.Ranges, FaultAt, run.Producing);
            await run.Cluster.Redis.StopAsync();
            var atStop = ClusterChecks.StoredRows(run.Data, run.Table);
            var stopped = Stopwatch.StartNew();
            Assert.False(await PrivateRedis.PingAsync(run.Cluster.Redis.Port));
            // The outage: until the producers are affected (no new rows for a while) or 1.5 s, whichever comes first.
            var (last, lastChange) = (ClusterChecks.StoredRows(run.Data, run.Table), stopped.Elapsed);
            while (stopped.Elapsed < TimeSpan.FromSeconds(1.5) && stopped.Elapsed - lastChange < TimeSpan.FromSeconds(0.5) && run.Producing())
            {
                await Task.Delay(20);
                var now = ClusterChecks.StoredRows(run.Data, run.Table);
                if (now != last) (last, lastChange) = (now, stopped.Elapsed);
            }
            var atRestart = ClusterChecks.StoredRows(run.Data, run.Table);
            await run.Cluster.Redis.StartAgainAsync();
            run.Cluster.Log($"Redis was down {stopped.Elapsed.TotalSeconds:0.00} s: rows {atStop:N0} -> {atRestart:N0}; producers still running: {run.Producing()}");
            Assert.True(atStop < Total, "the ingest finished before Redis stopped; the test proves nothing");

            await ClusterChecks.AssertAllSucceedAsync(run.Producers, "done ", IngestBound);
            // Membership and catalog survived the restart: both silos still serve, a new client finds
            // the gateways in Redis, the catalog still places the table, and a new table can be claimed.
            Assert.All(run.Silos, s => Assert.False(s.Process.HasExited, $"{s} ended"));
            Assert.Equal("g", (await run.Cluster.Redis.HashAsync(run.Cluster.CatalogKey))[run.Table]);
            var late = await run.Cluster.ConnectAsync();
            Assert.Equal(Total, await late.Table<SimpleRow>(run.Table).CountAsync());
            await late.Table<SimpleRow>("after_restart").InsertAsync(new SimpleRow { Process = "x", Number = 1 });
            Assert.Equal("g", (await run.Cluster.Redis.HashAsync(run.Cluster.CatalogKey))["after_restart"]);
        });

    /// <summary>
    /// Stops the silo hosting the table once every producer is ingesting — kill -9, or SIGTERM and a clean
    /// exit — and measures, from the signal, how long until the table answers from the survivor, until the
    /// survivor has stored rows, and until the file holds a row committed after the host was gone.
    /// </summary>
    private static async Task StopHostAsync(IngestRun run, bool graceful)
    {
        var before = await ClusterChecks.WaitUntilIngestingAsync(run.Data, run.Table, run.Ranges, FaultAt, run.Producing);
        var host = await run.Cluster.HostOfAsync(run.Grain);
        var fault = graceful ? "SIGTERM" : "kill -9";
        var probe = FailoverProbe.Start(run.ProbeGrain, host);
        var clock = Stopwatch.StartNew();
        if (graceful)
        {
            host.Terminate();
            Assert.Equal(0, await host.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        }
        else
        {
            await host.KillAsync();
        }
        var gone = clock.Elapsed;
        var atFault = ClusterChecks.StoredRows(run.Data, run.Table);
        probe.WatchFile(run.Data, run.Table, atFault);
        run.Cluster.Log($"{fault} of {host}: gone after {gone.TotalSeconds:0.00} s with {atFault:N0} of {Total:N0} rows stored (just before the signal: {string.Join(", ", before.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value:N0}"))})");
        Assert.True(atFault < Total, "the ingest finished before the host stopped; the test proves nothing");

        await ClusterChecks.AssertAllSucceedAsync(run.Producers, "done ", IngestBound);
        var (answered, wrote, grew) = (await probe.Answered, await probe.SurvivorWrote, await probe.FileGrew);
        run.Cluster.Log($"failover after {fault}, from the signal: the table answered from the survivor after {Seconds(answered)}, the survivor had stored rows after {Seconds(wrote)}, " +
            $"the first row after the host was gone was committed after {Seconds(grew)}; every producer done after {clock.Elapsed.TotalSeconds:0.00} s");
        Assert.NotNull(answered);
        Assert.NotNull(wrote);
        Assert.NotNull(grew);
        Assert.False(run.Silos.Single(s => s != host).Process.HasExited);
        Assert.NotSame(host, await run.Cluster.HostOfAsync(run.Grain));

        static string Seconds(TimeSpan? t) => t is { } v ? $"{v.TotalSeconds:0.00} s" : "never";
    }

    /// <summary>
    /// Two silos of group g on one data directory, a table, four producer processes ingesting
    /// <see cref="Rows"/> rows each with <paramref name="inFlight"/> batches in flight; <paramref name="fault"/>
    /// lands mid-ingest and waits for whatever it needs; then every producer must end with exit code 0
    /// and the table hold every row exactly once.
    /// </summary>
    private async Task IngestThroughAsync(int inFlight, Func<IngestRun, Task> fault, bool persistentRedis = false)
    {
        await using var cluster = await ClusterHarness.StartAsync(output, persistentRedis);
        var data = cluster.Dir("data");
        var silos = await cluster.StartSilosAsync(("silo-1", "g", data), ("silo-2", "g", data));
        // The producers create the table; they take longest to start, so they go first.
        const string table = "numbers";
        var ranges = ProducerRange.Fleet(table, Producers, Rows);
        var clock = Stopwatch.StartNew();
        var producers = ranges.Select(r => cluster.StartProducer(table, r, inFlight)).ToArray();
        var connecting = cluster.ConnectAsync(TimeSpan.FromSeconds(2)); // probes: short calls, sent often
        var client = await cluster.ConnectAsync();
        var probe = await connecting;
        var run = new IngestRun(cluster, data, silos, table, client.GrainFactory.GetGrain<ITableGrain>(table), probe.GrainFactory.GetGrain<ITableGrain>(table), ranges, producers);

        await fault(run);

        await ClusterChecks.AssertAllSucceedAsync(run.Producers, "done ", IngestBound);
        cluster.Log($"producers done {clock.Elapsed.TotalSeconds:0.00} s after they started");
        cluster.Log("checked: " + await ClusterChecks.AssertExactlyOnceAsync(run.Grain, ranges));
    }

    /// <summary>One ingest under test: its cluster, directory, silos, table and producer processes (a rerun replaces its producer's entry).</summary>
    private sealed record IngestRun(ClusterHarness Cluster, string Data, SiloProcess[] Silos, string Table, ITableGrain Grain, ITableGrain ProbeGrain, ProducerRange[] Ranges, OsProcess[] Producers)
    {
        /// <summary>True while some producer still runs.</summary>
        public bool Producing() => Producers.Any(p => !p.HasExited);
    }
}
