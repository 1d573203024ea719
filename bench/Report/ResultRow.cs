using DocTable.Orleans.Bench.Measure;
using DocTable.Orleans.Bench.Scenarios;

namespace DocTable.Orleans.Bench.Report;

/// <summary>
/// One line of the result table: the medians over a scenario's repeats. A scenario with a wrong
/// count in any repeat is "FAILED"; one that cannot run here is "not run".
/// </summary>
public sealed record ResultRow(
    string Scenario,
    int K,
    string? Durability,
    string Status,
    long Rows,
    double Seconds,
    double RowsPerS,
    double? RatioToCeiling,
    double? P50Ms,
    double? P99Ms,
    string? LatencyOf,
    double PeakRssMb,
    bool? CountOk,
    int Repeats,
    double[] RunsRowsPerS,
    double? CpuUsPerRow,
    double? AllocBytesPerRow,
    string Description,
    string? Note)
{
    /// <summary>Status of a row whose every repeat counted right.</summary>
    public const string Ok = "ok";

    /// <summary>Status of a row with a wrong count or an error.</summary>
    public const string Failed = "FAILED";

    /// <summary>Status of a scenario that cannot run on this build.</summary>
    public const string NotRun = "not run";

    /// <summary>Summarizes <paramref name="runs"/> of <paramref name="scenario"/>; ratios against <paramref name="ceilingRowsPerS"/>.</summary>
    public static ResultRow From(Scenario scenario, IReadOnlyList<RunResult> runs, double? ceilingRowsPerS)
    {
        if (scenario.NotRunReason is { } reason || runs.Count == 0)
            return new ResultRow(scenario.Id, scenario.K, scenario.Durability, NotRun, 0, 0, 0, null, null, null,
                scenario.LatencyOf, 0, null, 0, [], null, null, scenario.Description, scenario.NotRunReason ?? "no repeats ran");

        var ok = runs.All(r => r.CountOk);
        var rowsPerS = Median(runs.Select(r => r.RowsPerSecond));
        var failure = runs.FirstOrDefault(r => !r.CountOk) is { } bad
            ? bad.Error ?? $"count {bad.Counted} ≠ {bad.Rows} rows reported committed"
            : null;
        return new ResultRow(
            scenario.Id, scenario.K, scenario.Durability, ok ? Ok : Failed,
            (long)Median(runs.Select(r => (double)r.Rows)),
            Math.Round(Median(runs.Select(r => r.Seconds)), 3),
            Math.Round(rowsPerS, 0),
            ceilingRowsPerS is > 0 ? Math.Round(rowsPerS / ceilingRowsPerS.Value, 4) : null,
            MedianOrNull(runs.Select(r => LatencyHistogram.FromCounts(r.LatencyCounts).QuantileMs(0.50)), 3),
            MedianOrNull(runs.Select(r => LatencyHistogram.FromCounts(r.LatencyCounts).QuantileMs(0.99)), 3),
            scenario.LatencyOf,
            Median(runs.Select(r => r.PeakRssMb)),
            ok,
            runs.Count,
            runs.Select(r => Math.Round(r.RowsPerSecond, 0)).ToArray(),
            MedianOrNull(runs.Select(r => r.CpuUsPerRow)),
            MedianOrNull(runs.Select(r => r.AllocBytesPerRow)),
            scenario.Description,
            failure ?? MedianRun(runs).Note);
    }

    /// <summary>The run whose rows/s is the median (the lower middle one for an even count).</summary>
    private static RunResult MedianRun(IReadOnlyList<RunResult> runs)
        => runs.OrderBy(r => r.RowsPerSecond).ElementAt((runs.Count - 1) / 2);

    private static double? MedianOrNull(IEnumerable<double?> values, int digits = 2)
    {
        var known = values.Where(v => v is not null).Select(v => v!.Value).ToList();
        return known.Count > 0 ? Math.Round(Median(known), digits) : null;
    }

    /// <summary>The median (mean of the middle two for an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return 0;
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }
}
