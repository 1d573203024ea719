using DocTable.Orleans.Client.Tools;
using DocTable.Orleans.Tests.Cluster.Support;
using DocTable.Orleans.Tests.Embedded.Support;
using Xunit;
using Xunit.Abstractions;

namespace DocTable.Orleans.Tests.Cluster;

/// <summary>
/// Issue 11, producer fleets through the CLI: <c>doctable produce --cluster …</c> runs K producer grains
/// on the silos (each job watched and resumed elsewhere when its silo goes) or, with <c>--processes</c>,
/// K producer processes, and ends with an exact count check. Two silos of one group share one directory.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ProducerFleetTests(ITestOutputHelper output)
{
    private const int Producers = 4;
    private const string Table = "fleet";
    private static readonly TimeSpan RunBound = TimeSpan.FromMinutes(4);

    [Fact]
    public Task A_fleet_of_producer_grains_survives_kill_9_of_the_silo_hosting_its_table()
        => FleetAsync(rows: 200_000, processes: false, async (cluster, host) =>
        {
            await host.KillAsync();
            cluster.Log($"kill -9 of {host}");
        });

    [Fact]
    public Task A_fleet_of_producer_grains_survives_SIGTERM_of_the_silo_hosting_its_table()
        => FleetAsync(rows: 200_000, processes: false, async (cluster, host) =>
        {
            host.Terminate();
            Assert.Equal(0, await host.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            cluster.Log($"SIGTERM of {host}: exited with code 0");
        });

    /// <summary>
    /// The fleet's table as SimpleRow sees it, plus a UNIQUE column every insert fills with the same
    /// default: the CLI opens and counts the table, and the first batch of any producer job is refused.
    /// </summary>
    public sealed class RowRefusingBatches
    {
        [IdColumn] public long Id { get; set; }
        [UpdatedColumn] public DateTime Updated { get; set; }
        public string? Process { get; set; }
        public int Number { get; set; }
        [Column(Unique = true, Default = "same")] public string? Tag { get; set; }
    }

    [Fact]
    public async Task A_fleet_whose_jobs_fail_with_a_typed_error_prints_that_error_and_exits_2()
    {
        await using var cluster = await ClusterHarness.StartAsync(output);
        await cluster.StartSilosAsync(("silo-1", "g", cluster.Dir("data")));
        var client = await cluster.ConnectAsync();
        await client.Table<RowRefusingBatches>(Table).OpenAsync();

        var run = await DoctableCli.InvokeAsync("produce", "--cluster", cluster.Cluster, "--table", Table, "--producers", "2", "--rows", "5000")
            .WaitAsync(RunBound);
        cluster.Log($"doctable produce: {run}");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"error: UNIQUE column 'tag' of table '{Table}' already holds this value; nothing of the write was done.", run.Error);
        Assert.DoesNotContain("AggregateException", run.Error);
        Assert.DoesNotContain("One or more errors occurred", run.Error);
        Assert.Equal(0, await client.Table<RowRefusingBatches>(Table).CountAsync());
    }

    [Fact]
    public Task A_fleet_of_producer_processes_stores_every_row_once()
        => FleetAsync(rows: 50_000, processes: true, fault: null);

    /// <summary>
    /// Runs <c>doctable produce --cluster … --producers 4 --rows <paramref name="rows"/></c>; when
    /// <paramref name="fault"/> is given, it stops the silo hosting the table once every producer has
    /// rows stored. The command must exit 0 after its own exact check, and the table hold every row once.
    /// </summary>
    private async Task FleetAsync(int rows, bool processes, Func<ClusterHarness, SiloProcess, Task>? fault)
    {
        await using var cluster = await ClusterHarness.StartAsync(output);
        var data = cluster.Dir("data");
        var silos = await cluster.StartSilosAsync(("silo-1", "g", data), ("silo-2", "g", data));
        var ranges = ProducerRange.Fleet(Table, Producers, rows);
        var produce = cluster.StartCli("produce", ["produce", "--cluster", cluster.Cluster, "--table", Table, "--producers", $"{Producers}", "--rows", $"{rows}",
            .. processes ? new[] { "--processes" } : []]);
        var client = await cluster.ConnectAsync();

        if (fault is not null)
        {
            var stored = await ClusterChecks.WaitUntilIngestingAsync(data, Table, ranges, 5_000, () => !produce.HasExited);
            var host = await cluster.HostOfAsync(client.GrainFactory.GetGrain<ITableGrain>(Table));
            cluster.Log($"every producer is ingesting ({string.Join(", ", stored.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value:N0}"))}); the table is on {host}");
            await fault(cluster, host);
            Assert.True(ClusterChecks.StoredRows(data, Table) < (long)Producers * rows, "the fleet finished before the fault; the test proves nothing");
        }

        Assert.Equal(0, await produce.WaitForExitAsync(RunBound));
        var total = (long)Producers * rows;
        Assert.Contains($"checked: table {Table} grew by {total:N0} rows ({total:N0} in all)", produce.Output);
        Assert.Contains($"from {Producers} producer {(processes ? "processes" : "grains")}", produce.Output);
        cluster.Log("checked: " + await ClusterChecks.AssertExactlyOnceAsync(client.GrainFactory.GetGrain<ITableGrain>(Table), ranges));
        Assert.Contains(silos, s => !s.Process.HasExited);
    }
}
