using System.Diagnostics;
using System.Text.Json;
using DocTable.Orleans.Bench.Measure;
using DocTable.Orleans.Bench.Report;
using DocTable.Orleans.Bench.Runner;

namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>
/// S1, DocTable's way: K OS processes (this program re-invoked in child mode, see
/// <see cref="DocTableWayChild"/>), each with its own connection, one autocommit INSERT per row,
/// a busy timeout, and SQLite's default rollback journal (journal_mode=DELETE, synchronous default).
/// The children start inserting together on a "go" line and report rows, time, latencies and peak RSS.
/// </summary>
public sealed class DocTableWayScenario(int k) : Scenario(k, "DELETE journal")
{
    /// <inheritdoc/>
    public override string Id => "S1";

    /// <inheritdoc/>
    public override string Description => "DocTable's way: K processes, autocommit INSERT per row, busy timeout, rollback journal";

    /// <inheritdoc/>
    public override string? LatencyOf => "per INSERT";

    /// <inheritdoc/>
    public override bool WarmsUpInProcess => false;

    /// <inheritdoc/>
    public override async Task<RunResult> RunAsync(RunContext context, CancellationToken cancellationToken)
    {
        var path = await BenchTable.CreateAsync(context.WorkDirectory, cancellationToken);
        using (var connection = BenchTable.Open(path))
            BenchTable.Execute(connection, "PRAGMA journal_mode = DELETE");

        var quota = context.RowLimit is { } limit ? (limit + K - 1) / K : (long?)null;
        var children = new List<ChildProcess>();
        try
        {
            for (var i = 0; i < K; i++)
            {
                List<string> args = [DocTableWayChild.Mode, "--db", path, "--process", BenchTable.ProcessName(i),
                    "--seconds", context.Duration.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)];
                if (quota is { } q) args.AddRange(["--rows", q.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
                children.Add(ChildProcess.Start(args));
            }
            foreach (var child in children) await child.ExpectLineAsync(DocTableWayChild.Ready, cancellationToken);

            var started = Stopwatch.GetTimestamp();
            foreach (var child in children) await child.SendLineAsync(DocTableWayChild.Go);
            var reports = new List<ChildReport>();
            foreach (var child in children)
            {
                var line = await child.ReadResultAsync(cancellationToken);
                reports.Add(JsonSerializer.Deserialize(line, BenchJsonContext.Default.ChildReport)
                            ?? throw new InvalidDataException("An S1 child sent an empty report."));
            }
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

            var latency = new LatencyHistogram();
            foreach (var r in reports) latency.Add(LatencyHistogram.FromCounts(r.LatencyCounts));
            var rows = reports.Sum(r => r.Rows);
            var error = reports.FirstOrDefault(r => r.Error is not null)?.Error;
            var cpuUs = rows > 0 ? Math.Round(reports.Sum(r => r.CpuSeconds) * 1e6 / rows, 2) : 0;
            return new RunResult(rows, seconds, BenchTable.Count(path), latency.Compact(), reports.Max(r => r.PeakRssMb), error, CpuUsPerRow: cpuUs);
        }
        finally
        {
            foreach (var child in children) await child.DisposeAsync();
        }
    }
}

/// <summary>What one S1 child process reports on its last stdout line.</summary>
/// <param name="Rows">Rows it committed.</param>
/// <param name="Seconds">Its own insert time.</param>
/// <param name="CpuSeconds">Its CPU time while inserting.</param>
/// <param name="PeakRssMb">Its peak RSS (VmHWM).</param>
/// <param name="LatencyCounts">Per-INSERT latency histogram counts.</param>
/// <param name="Error">Why it stopped early, if it did.</param>
public sealed record ChildReport(long Rows, double Seconds, double CpuSeconds, double PeakRssMb, long[] LatencyCounts, string? Error);
