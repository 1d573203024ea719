using System.Diagnostics;
using System.Globalization;
using DocTable.Orleans.Bench.Measure;
using DocTable.Orleans.Bench.Runner;
using DocTable.Orleans.Client.Cli;
using DocTable.Orleans.Client.Tools;

namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>
/// S4, cluster: K producer OS processes → RabbitMQ → one silo, chunk 1000. Each run starts a private
/// broker (scripts/broker.sh, free port, own temp folder), one silo process
/// (<c>DocTable.Orleans.Silo.dll --broker … --data …</c>) and K producer processes
/// (<see cref="ClusterProducerChild"/>) that publish one-way 1000-row batches with producer id and
/// sequence (exactly once). The clock runs from "go" until a count through the cluster — answered by
/// the owner after every earlier batch is committed — returns, so rows/s counts rows stored; the count
/// must equal the rows the producers had confirmed. Peak RSS is the silo's; the note adds the
/// producers' (max) and broker's, and CPU µs/row per process kind.
/// </summary>
public sealed class ClusterScenario(int k) : Scenario(k, "FULL")
{
    /// <inheritdoc/>
    public override string Id => "S4";

    /// <inheritdoc/>
    public override string Description => "cluster: K producer processes → RabbitMQ → 1 silo process, one-way batches of 1000 rows (producer id + sequence)";

    /// <inheritdoc/>
    public override string? LatencyOf => "per 1000-row batch, publish → broker confirm";

    /// <inheritdoc/>
    public override bool WarmsUpInProcess => false;

    /// <inheritdoc/>
    public override string? NotRunReason =>
        !File.Exists(PrivateBroker.ServerPath) ? "rabbitmq-server not installed"
        : PrivateBroker.FindScript() is null ? "scripts/broker.sh not found"
        : null;

    /// <inheritdoc/>
    public override async Task<RunResult> RunAsync(RunContext context, CancellationToken cancellationToken)
    {
        await using var broker = await PrivateBroker.StartAsync(cancellationToken);
        var data = Directory.CreateDirectory(Path.Combine(context.WorkDirectory, "silo")).FullName;
        await using var silo = await SiloProcess.StartAsync(broker.Uri, data, cancellationToken);
        // The final count queues behind every batch the producers published: allow it the whole drain.
        var options = new ClusterClientOptions { CallTimeout = TimeSpan.FromMinutes(10) };
        await using var client = await DocTableClient.ConnectAsync(broker.Uri, options, cancellationToken);
        var table = client.Table<SimpleRow>(BenchTable.Name);
        await table.OpenAsync(cancellationToken);

        var quota = context.RowLimit is { } limit ? (limit + K - 1) / K : (long?)null;
        var run = Guid.NewGuid().ToString("N")[..8];
        var c = CultureInfo.InvariantCulture;
        await using var fleet = ChildFleet.Start(K, i =>
        {
            List<string> args = [ClusterProducerChild.Mode, "--broker", broker.Uri, "--producer-id", $"{run}-{i}",
                "--process", BenchTable.ProcessName(i), "--seconds", context.Duration.TotalSeconds.ToString(c)];
            if (quota is { } q) args.AddRange(["--rows", q.ToString(c)]);
            return args;
        });
        await fleet.ReadyAsync(cancellationToken);

        var siloCpu = ProcessStats.CpuSeconds(silo.Id);
        var brokerCpu = ProcessStats.CpuSeconds(broker.Pid);
        var started = Stopwatch.GetTimestamp();
        var reports = await fleet.GoAndCollectAsync(Id, cancellationToken);
        var confirmedAfter = Stopwatch.GetElapsedTime(started).TotalSeconds;
        // Answered by the owner after every batch queued before it is committed: the rows are stored.
        var counted = await table.CountAsync(cancellationToken: cancellationToken);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        siloCpu = ProcessStats.CpuSeconds(silo.Id) - siloCpu;
        brokerCpu = ProcessStats.CpuSeconds(broker.Pid) - brokerCpu;

        var rows = reports.Sum(r => r.Rows);
        var producerCpu = reports.Sum(r => r.CpuSeconds);
        var error = reports.FirstOrDefault(r => r.Error is not null)?.Error;
        var siloRss = ProcessStats.PeakRssMb(silo.Id);
        var note = string.Create(c,
            $"silo peak RSS {siloRss:0} MB, producers max {reports.Max(r => r.PeakRssMb):0} MB, broker {ProcessStats.PeakRssMb(broker.Pid):0} MB; " +
            $"CPU µs/row: silo {ChildFleet.PerRow(siloCpu, rows):0.0}, producers {ChildFleet.PerRow(producerCpu, rows):0.0}, broker {ChildFleet.PerRow(brokerCpu, rows):0.0}; " +
            $"silo busy {siloCpu / seconds:P0} of one core, broker {brokerCpu / seconds:P0}; " +
            $"confirmed after {confirmedAfter:0.00} s, stored and counted after {seconds:0.00} s");
        return new RunResult(rows, seconds, counted, ChildFleet.MergedLatency(reports), siloRss, error,
            CpuUsPerRow: ChildFleet.PerRow(siloCpu + producerCpu + brokerCpu, rows), Note: note);
    }
}
