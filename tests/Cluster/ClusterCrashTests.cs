using DocTable.Orleans.Client.Cli;
using DocTable.Orleans.Client.Tools;
using Xunit;
using Xunit.Abstractions;

namespace DocTable.Orleans.Tests.Cluster;

/// <summary>Crashes and restarts during ingest: kill -9 of the owning silo, a broker restart, a silo restarted on its data.</summary>
[Collection("Cluster")]
[Trait("Category", "Cluster")]
public sealed class ClusterCrashTests(ClusterFixture fixture, ITestOutputHelper output)
{
    private const int Producers = 4;
    private static readonly TimeSpan Ingest = TimeSpan.FromMinutes(5);

    [Fact]
    public Task Killing_the_owning_silo_mid_ingest_loses_and_duplicates_nothing()
        => StopOwnerMidIngestAsync(200_000, 20_000, (owner, table) =>
        {
            owner.Kill();
            return Task.CompletedTask;
        });

    [Fact]
    public Task Stopping_the_owning_silo_with_sigterm_mid_ingest_drains_and_hands_over()
        => StopOwnerMidIngestAsync(300_000, 10_000, async (owner, table) =>
        {
            owner.Terminate();
            Assert.Equal(0, await owner.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains($"Table {table}: released after draining", owner.Output);
        });

    /// <summary>
    /// Two silos on one data directory, a 4-process fleet ingesting <paramref name="rows"/>; once
    /// <paramref name="stopAt"/> rows are committed the owning silo is stopped by <paramref name="stop"/>;
    /// the other must take over and every row must be stored exactly once.
    /// </summary>
    private async Task StopOwnerMidIngestAsync(long rows, long stopAt, Func<DocTableProcess, string, Task> stop)
    {
        var broker = fixture.Broker.Uri;
        using var scratch = new Scratch();
        var data = scratch.Sub("data");
        await using var a = await DocTableProcess.StartReadySiloAsync(broker, data, scratch.Group);
        await using var b = await DocTableProcess.StartReadySiloAsync(broker, data, scratch.Group);
        var table = "fleet_" + scratch.Group;
        await using var produce = DocTableProcess.Start("produce", "--broker", broker, "--table", table,
            "--producers", Producers.ToString(), "--rows", (rows / Producers).ToString(), "--chunk", "500");

        var ownerLine = $"Table {table}: this silo is the active owner";
        await Wait.UntilAsync(() => a.Output.Contains(ownerLine) || b.Output.Contains(ownerLine), Ingest, () => "no silo became the owner:\n" + produce.Output);
        var (owner, survivor) = a.Output.Contains(ownerLine) ? (a, b) : (b, a);
        var stored = await ClusterChecks.WaitForStoredRowsAsync(data, table, stopAt, Ingest);
        await stop(owner, table);
        output.WriteLine($"stopped the owning silo (pid {owner.Id}) with {stored} rows stored");
        Assert.True(stored < rows, "the ingest finished before the owner stopped; the test proves nothing");

        await survivor.WaitForOutputAsync(ownerLine, Ingest);
        Assert.Equal(0, await produce.WaitForExitAsync(Ingest));
        Assert.Contains("checked:", produce.Output);
        await ClusterChecks.AssertExactlyOnceAsync(broker, table, rows, Producers);
    }

    [Fact]
    public async Task A_job_whose_worker_is_killed_is_rerun_by_another_worker_exactly_once()
    {
        // Jobs long enough (2,500 batches each) that the killed worker is still inside its job when
        // the kill lands; with 500 batches a fast machine finished the job before the kill.
        const long rows = 1_000_000;
        var broker = fixture.Broker.Uri;
        using var scratch = new Scratch();
        await using var silo = await DocTableProcess.StartReadySiloAsync(broker, scratch.Sub("data"), scratch.Group);
        await using var w1 = DocTableProcess.Start("worker", "--broker", broker);
        await using var w2 = DocTableProcess.Start("worker", "--broker", broker);
        await w1.WaitForOutputAsync("waiting for jobs");
        await w2.WaitForOutputAsync("waiting for jobs");
        var table = "jobs_" + scratch.Group;
        // Kill the first worker that reports confirmed rows of a job, the moment it says so.
        var killed = new TaskCompletionSource<DocTableProcess>(TaskCreationOptions.RunContinuationsAsynchronously);
        Action<DocTableProcess, string> killOnJob = (worker, line) =>
        {
            if (line.EndsWith(" rows confirmed", StringComparison.Ordinal) && !line.Contains(": 0 rows", StringComparison.Ordinal) && killed.TrySetResult(worker))
                worker.Kill();
        };
        w1.OnLine = killOnJob;
        w2.OnLine = killOnJob;
        await using var produce = DocTableProcess.Start("produce", "--broker", broker, "--table", table,
            "--producers", Producers.ToString(), "--rows", (rows / Producers).ToString(), "--chunk", "100", "--jobs");

        // "done" is printed before the ack, so a job without "done" in the dead worker's final output
        // was not acked and must be rerun by the survivor.
        var victim = await killed.Task.WaitAsync(TimeSpan.FromSeconds(90));
        var survivor = victim == w1 ? w2 : w1;
        await victim.WaitForExitAsync(TimeSpan.FromSeconds(30));
        var job = Running(victim) ?? throw new InvalidOperationException("the worker finished its job before the kill; the test proves nothing");
        output.WriteLine($"killed worker pid {victim.Id} running job {job}");

        Assert.Equal(0, await produce.WaitForExitAsync(Ingest));
        output.WriteLine("victim:\n" + victim.Output + "\nsurvivor:\n" + survivor.Output);
        Assert.Contains($"worker: job {job} done", survivor.Output);
        await ClusterChecks.AssertExactlyOnceAsync(broker, table, rows, Producers);

        static string? Running(DocTableProcess worker)
        {
            var started = worker.Output.Split('\n').Where(l => l.StartsWith("worker: job ", StringComparison.Ordinal) && l.Contains(" rows into ")).Select(l => l.Split(' ')[2].TrimEnd(':')).LastOrDefault();
            return started is not null && !worker.Output.Contains($"worker: job {started} done") ? started : null;
        }
    }

    [Fact]
    public async Task A_broker_restart_mid_ingest_loses_and_duplicates_nothing()
    {
        const long rows = 400_000; // large enough that the first commits come long before the last (the check polls the file)
        await using var broker = await PrivateBroker.StartAsync();
        using var scratch = new Scratch();
        var data = scratch.Sub("data");
        await using var silo = await DocTableProcess.StartReadySiloAsync(broker.Uri, data, scratch.Group);
        var table = "restart_" + scratch.Group;
        await using var produce = DocTableProcess.Start("produce", "--broker", broker.Uri, "--table", table,
            "--producers", Producers.ToString(), "--rows", (rows / Producers).ToString(), "--chunk", "500");

        var atStop = await ClusterChecks.WaitForStoredRowsAsync(data, table, 10_000, Ingest);
        var producing = !produce.HasExited;
        await broker.StopAsync();
        output.WriteLine($"broker stopped with {atStop} rows stored; producers still running then: {producing}");
        Assert.True(atStop < rows, "the ingest finished before the broker stopped; the test proves nothing");
        await broker.RestartAsync();

        Assert.Equal(0, await produce.WaitForExitAsync(Ingest));
        Assert.Contains("checked:", produce.Output);
        await ClusterChecks.AssertExactlyOnceAsync(broker.Uri, table, rows, Producers);
        Assert.Contains("lost its broker connection", silo.Output);
    }

    [Fact]
    public async Task A_silo_restarted_on_its_data_directory_takes_its_tables_back()
    {
        var broker = fixture.Broker.Uri;
        using var scratch = new Scratch();
        var data = scratch.Sub("data");
        var table = "back_" + scratch.Group;
        await using var client = await ClusterChecks.ConnectAsync(broker);
        var db = client.Table<SimpleRow>(table);

        await using (var silo = DocTableProcess.StartSilo(broker, data, scratch.Group))
        {
            await silo.WaitForOutputAsync("caught up");
            await db.InsertManyAsync(Enumerable.Range(0, 1000).Select(n => new SimpleRow { Process = "first", Number = n }));
            silo.Terminate();
            Assert.Equal(0, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
            Assert.Contains($"Table {table}: released after draining", silo.Output);
        }

        // While no silo runs, confirmed one-way batches wait in the table's queue.
        var grain = client.GrainFactory.GetGrain<ITableGrain>(table);
        var waiting = await grain.InsertAsync(new RowBatch(["process", "number"], Enumerable.Range(1000, 500).Select(n => new object?[] { "queued", (long)n }).ToList()),
            new InsertOptions(ProducerId: "restart-test", Sequence: 1));
        await waiting.Durable.WaitAsync(TimeSpan.FromSeconds(60));

        // A silo of another failover group neither serves the table nor creates a file for it.
        var elsewhere = scratch.Sub("elsewhere");
        await using (var stranger = await DocTableProcess.StartReadySiloAsync(broker, elsewhere, "other-" + scratch.Group))
        {
            await using var impatient = await ClusterChecks.ConnectAsync(broker, TimeSpan.FromSeconds(3));
            await Assert.ThrowsAsync<GrainCallTimeoutException>(() => impatient.GrainFactory.GetGrain<ITableGrain>(table).CountAsync(null));
            Assert.False(File.Exists(Path.Combine(elsewhere, table + ".db")));
            Assert.DoesNotContain($"Table {table}", stranger.Output);
        }

        await using var again = DocTableProcess.StartSilo(broker, data, scratch.Group);
        await again.WaitForOutputAsync($"Table {table}: this silo is the active owner");
        Assert.Equal(1500, await db.CountAsync());
        await db.InsertAsync(new SimpleRow { Process = "after", Number = 1500 });
        Assert.Equal(1501, await db.CountAsync());
        Assert.Equal(500, await db.CountAsync(db["process"] == "queued"));
        Assert.DoesNotContain("Created table", again.Output);
    }
}
