using System.Diagnostics;

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
        var c = System.Globalization.CultureInfo.InvariantCulture;
        await using var fleet = ChildFleet.Start(K, i =>
        {
            List<string> args = [DocTableWayChild.Mode, "--db", path, "--process", BenchTable.ProcessName(i),
                "--seconds", context.Duration.TotalSeconds.ToString(c)];
            if (quota is { } q) args.AddRange(["--rows", q.ToString(c)]);
            return args;
        });
        await fleet.ReadyAsync(cancellationToken);

        var started = Stopwatch.GetTimestamp();
        var reports = await fleet.GoAndCollectAsync(Id, cancellationToken);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;

        var rows = reports.Sum(r => r.Rows);
        var error = reports.FirstOrDefault(r => r.Error is not null)?.Error;
        return new RunResult(rows, seconds, BenchTable.Count(path), ChildFleet.MergedLatency(reports), reports.Max(r => r.PeakRssMb), error,
            CpuUsPerRow: ChildFleet.PerRow(reports.Sum(r => r.CpuSeconds), rows));
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
