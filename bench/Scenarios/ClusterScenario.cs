using System.Diagnostics;
using System.Globalization;
using DocTable.Orleans.Bench.Measure;
using DocTable.Orleans.Client.Cli;
using DocTable.Orleans.Client.Tools;

namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>
/// S4, cluster: K producer OS processes → one silo process → one table, 1000-row batches. Each run
/// starts a private Redis (membership and catalog), one silo process (<see cref="SiloProcess"/>) and
/// K producer processes (<see cref="ClusterProducerChild"/>, Orleans clients) that send batches with
/// their producer id and sequence numbers (exactly once), a few in flight each. The clock runs from
/// "go" until every producer has its last batch confirmed (committed); the table's count must equal
/// the rows the producers were told are stored. Peak RSS is the silo's; the note adds the
/// producers' (max) and CPU µs/row per process kind.
/// </summary>
public sealed class ClusterScenario(int k) : Scenario(k, "FULL")
{
    /// <inheritdoc/>
    public override string Id => "S4";

    /// <inheritdoc/>
    public override string Description => $"cluster: K producer processes → 1 silo process (Redis membership), batches of {ClusterProducerChild.ChunkRows} rows with producer id + sequence, {ClusterProducerChild.InFlight} in flight each";

    /// <inheritdoc/>
    public override string? LatencyOf => $"per {ClusterProducerChild.ChunkRows}-row batch, sent → committed";

    /// <inheritdoc/>
    public override bool WarmsUpInProcess => false;

    /// <inheritdoc/>
    public override string? NotRunReason => PrivateRedis.IsInstalled ? null : "redis-server not installed";

    /// <inheritdoc/>
    public override async Task<RunResult> RunAsync(RunContext context, CancellationToken cancellationToken)
    {
        await using var redis = await PrivateRedis.StartAsync(cancellationToken: cancellationToken);
        var cluster = redis.ClusterAddress("bench-" + Guid.NewGuid().ToString("N")[..8]);
        var data = Directory.CreateDirectory(Path.Combine(context.WorkDirectory, "silo")).FullName;
        await using var silo = await SiloProcess.StartAsync(new SiloProcessOptions(data) { Cluster = cluster }, cancellationToken);
        await using var client = await DocTableClient.ConnectAsync(cluster, TimeSpan.FromMinutes(2), cancellationToken);
        var table = client.Table<SimpleRow>(BenchTable.Name);
        await table.OpenAsync(cancellationToken);

        var quota = context.RowLimit is { } limit ? (limit + K - 1) / K : (long?)null;
        var run = Guid.NewGuid().ToString("N")[..8];
        var c = CultureInfo.InvariantCulture;
        await using var fleet = ChildFleet.Start(K, i =>
        {
            List<string> args = [ClusterProducerChild.Mode, "--cluster", cluster, "--producer-id", $"{run}-{i}",
                "--process", BenchTable.ProcessName(i), "--seconds", context.Duration.TotalSeconds.ToString(c)];
            if (quota is { } q) args.AddRange(["--rows", q.ToString(c)]);
            return args;
        });
        await fleet.ReadyAsync(cancellationToken);

        var siloCpu = ProcessStats.CpuSeconds(silo.Process.Id);
        var started = Stopwatch.GetTimestamp();
        var reports = await fleet.GoAndCollectAsync(Id, cancellationToken);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        siloCpu = ProcessStats.CpuSeconds(silo.Process.Id) - siloCpu;
        var counted = await table.CountAsync(cancellationToken: cancellationToken);

        var rows = reports.Sum(r => r.Rows);
        var producerCpu = reports.Sum(r => r.CpuSeconds);
        var error = reports.FirstOrDefault(r => r.Error is not null)?.Error;
        var siloRss = ProcessStats.PeakRssMb(silo.Process.Id);
        var note = string.Create(c,
            $"silo peak RSS {siloRss:0} MB, producers max {reports.Max(r => r.PeakRssMb):0} MB; " +
            $"CPU µs/row: silo {ChildFleet.PerRow(siloCpu, rows):0.0}, producers {ChildFleet.PerRow(producerCpu, rows):0.0}; " +
            $"silo busy {siloCpu / seconds:P0} of one core; every row committed after {seconds:0.00} s");
        return new RunResult(rows, seconds, counted, ChildFleet.MergedLatency(reports), siloRss, error,
            CpuUsPerRow: ChildFleet.PerRow(siloCpu + producerCpu, rows), Note: note);
    }
}
