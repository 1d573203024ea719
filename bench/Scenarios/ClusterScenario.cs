using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using DocTable.Orleans.Bench.Measure;
using DocTable.Orleans.Bench.Report;
using DocTable.Orleans.Bench.Runner;
using DocTable.Orleans.Client.Cli;

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
        !File.Exists(BenchBroker.ServerPath) ? "rabbitmq-server not installed"
        : BenchBroker.FindScript() is null ? "scripts/broker.sh not found"
        : null;

    /// <inheritdoc/>
    public override async Task<RunResult> RunAsync(RunContext context, CancellationToken cancellationToken)
    {
        await using var broker = await BenchBroker.StartAsync(cancellationToken);
        var data = Directory.CreateDirectory(Path.Combine(context.WorkDirectory, "silo")).FullName;
        await using var silo = await SiloProcess.StartAsync(broker.Uri, data, cancellationToken);
        // The final count queues behind every batch the producers published: allow it the whole drain.
        var options = new ClusterClientOptions { CallTimeout = TimeSpan.FromMinutes(10) };
        await using var client = await DocTableClient.ConnectAsync(broker.Uri, options, cancellationToken);
        var table = client.Table<SimpleRow>(BenchTable.Name);
        await table.OpenAsync(cancellationToken);

        var quota = context.RowLimit is { } limit ? (limit + K - 1) / K : (long?)null;
        var run = Guid.NewGuid().ToString("N")[..8];
        var children = new List<ChildProcess>();
        try
        {
            var c = CultureInfo.InvariantCulture;
            for (var i = 0; i < K; i++)
            {
                List<string> args = [ClusterProducerChild.Mode, "--broker", broker.Uri, "--producer-id", $"{run}-{i}",
                    "--process", BenchTable.ProcessName(i), "--seconds", context.Duration.TotalSeconds.ToString(c)];
                if (quota is { } q) args.AddRange(["--rows", q.ToString(c)]);
                children.Add(ChildProcess.Start(args));
            }
            foreach (var child in children) await child.ExpectLineAsync(DocTableWayChild.Ready, cancellationToken);

            var siloCpu = ProcessStats.CpuSeconds(silo.Id);
            var brokerCpu = ProcessStats.CpuSeconds(broker.Pid);
            var started = Stopwatch.GetTimestamp();
            foreach (var child in children) await child.SendLineAsync(DocTableWayChild.Go);
            var reports = new List<ChildReport>();
            foreach (var child in children)
            {
                var line = await child.ReadResultAsync(cancellationToken);
                reports.Add(JsonSerializer.Deserialize(line, BenchJsonContext.Default.ChildReport)
                            ?? throw new InvalidDataException("An S4 producer sent an empty report."));
            }
            var confirmedAfter = Stopwatch.GetElapsedTime(started).TotalSeconds;
            // Answered by the owner after every batch queued before it is committed: the rows are stored.
            var counted = await table.CountAsync(cancellationToken: cancellationToken);
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            siloCpu = ProcessStats.CpuSeconds(silo.Id) - siloCpu;
            brokerCpu = ProcessStats.CpuSeconds(broker.Pid) - brokerCpu;

            var latency = new LatencyHistogram();
            foreach (var r in reports) latency.Add(LatencyHistogram.FromCounts(r.LatencyCounts));
            var rows = reports.Sum(r => r.Rows);
            var producerCpu = reports.Sum(r => r.CpuSeconds);
            var error = reports.FirstOrDefault(r => r.Error is not null)?.Error;
            double PerRow(double cpuSeconds) => rows > 0 ? Math.Round(cpuSeconds * 1e6 / rows, 2) : 0;
            var siloRss = ProcessStats.PeakRssMb(silo.Id);
            var note = string.Create(c,
                $"silo peak RSS {siloRss:0} MB, producers max {reports.Max(r => r.PeakRssMb):0} MB, broker {ProcessStats.PeakRssMb(broker.Pid):0} MB; " +
                $"CPU µs/row: silo {PerRow(siloCpu):0.0}, producers {PerRow(producerCpu):0.0}, broker {PerRow(brokerCpu):0.0}; " +
                $"confirmed after {confirmedAfter:0.00} s, stored and counted after {seconds:0.00} s");
            return new RunResult(rows, seconds, counted, latency.Compact(), siloRss, error,
                CpuUsPerRow: PerRow(siloCpu + producerCpu + brokerCpu), Note: note);
        }
        finally
        {
            foreach (var child in children) await child.DisposeAsync();
        }
    }
}
