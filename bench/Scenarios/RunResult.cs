namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>
/// The outcome of one run: rows the producers report as committed, wall time, the table's count
/// afterwards, latencies (histogram counts, see <see cref="Measure.LatencyHistogram"/>) and peak RSS.
/// </summary>
/// <param name="Rows">Rows the producers report as committed.</param>
/// <param name="Seconds">Wall time from the start signal until the last producer finished.</param>
/// <param name="Counted">Rows counted in the table after the run.</param>
/// <param name="LatencyCounts">Latency histogram counts (empty when the scenario has no awaited calls).</param>
/// <param name="PeakRssMb">Peak resident set size of the largest process involved, MB.</param>
/// <param name="Error">Why the run failed, if it did.</param>
/// <param name="CpuUsPerRow">CPU microseconds per row, summed over the processes involved.</param>
/// <param name="AllocBytesPerRow">Managed bytes allocated per row in the measuring process (null where not measured).</param>
/// <param name="Note">What else the run measured (e.g. S4's per-process RSS and CPU), shown in the report's note.</param>
public sealed record RunResult(long Rows, double Seconds, long Counted, long[] LatencyCounts, double PeakRssMb, string? Error = null,
    double? CpuUsPerRow = null, double? AllocBytesPerRow = null, string? Note = null)
{
    /// <summary>True when the run finished and the table holds exactly the rows reported.</summary>
    public bool CountOk => Error is null && Counted == Rows;

    /// <summary>Rows per second.</summary>
    public double RowsPerSecond => Seconds > 0 ? Rows / Seconds : 0;

    /// <summary>A failed run.</summary>
    public static RunResult Failed(string error) => new(0, 0, -1, [], 0, error);
}
