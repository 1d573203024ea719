using System.Globalization;
using System.Text;

namespace DocTable.Orleans.Bench.Report;

/// <summary>The report as a markdown table, with the machine and the command underneath.</summary>
public static class MarkdownTable
{
    /// <summary>Renders <paramref name="report"/>.</summary>
    public static string Render(BenchReport report)
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine("| Scenario | K | Durability | rows/s | × S0 | p50 ms | p99 ms | peak RSS MB | CPU µs/row | alloc B/row | count | rows | s |");
        sb.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|");
        foreach (var r in report.Rows)
        {
            var head = $"| {r.Scenario} | {r.K} | {r.Durability ?? "—"} |";
            if (r.Status == ResultRow.NotRun)
            {
                sb.AppendLine(c, $"{head} not run ({r.Note}) | | | | | | | | | | |");
                continue;
            }
            var rate = r.Status == ResultRow.Failed ? $"FAILED ({r.Note})" : r.RowsPerS.ToString("N0", c);
            sb.AppendLine(c, $"{head} {rate} | {Ratio(r.RatioToCeiling)} | {Num(r.P50Ms, "0.000")} | {Num(r.P99Ms, "0.000")} | {r.PeakRssMb.ToString("0", c)} | {Num(r.CpuUsPerRow, "0.0")} | {Num(r.AllocBytesPerRow, "0")} | {(r.CountOk == true ? "ok" : "FAILED")} | {r.Rows.ToString("N0", c)} | {r.Seconds.ToString("0.00", c)} |");
        }
        sb.AppendLine();
        var sizing = report.RowsPerRun is { } rows ? $"{rows:N0} rows per run" : $"{report.SecondsPerRun.ToString("0.##", c)} s per run";
        sb.AppendLine(c, $"Medians of {report.Repeats} repeat(s), {sizing}, every figure from this one run on this machine.");
        sb.AppendLine("Latency: S1 per INSERT statement; S2 per awaited InsertAsync (until committed); S3 per flushing InsertAsync (every 1000th row: chunk write + commit); S4 per 1000-row batch from the insert call to its commit; S5 per 1000-row insert_many of a Python process (encode, POST, commit). Peak RSS: VmHWM of each process (S1: largest child; S2/S3: the one process hosting silo and producers; S4/S5: the silo process). CPU µs/row of S4/S5: silo + producers.");
        foreach (var r in report.Rows.Where(r => r.Status == ResultRow.Ok && r.Note is not null))
            sb.AppendLine(c, $"{r.Scenario} K={r.K}: {r.Note}.");
        sb.AppendLine();
        sb.AppendLine(c, $"Machine: {report.Machine.Cores} cores, {report.Machine.CpuModel}, {report.Machine.Os}, {report.Machine.Dotnet}");
        sb.AppendLine(c, $"Command: `{report.CommandLine}` ({report.GeneratedUtc:yyyy-MM-dd HH:mm} UTC)");
        return sb.ToString();
    }

    private static string Ratio(double? value)
        => value is { } v ? v.ToString(v >= 0.1 ? "0.00" : "0.0000", CultureInfo.InvariantCulture) : "—";

    private static string Num(double? value, string format)
        => value is { } v ? v.ToString(format, CultureInfo.InvariantCulture) : "—";
}
