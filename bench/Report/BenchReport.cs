using DocTable.Orleans.Bench.Measure;

namespace DocTable.Orleans.Bench.Report;

/// <summary>Everything one benchmark run produced: the rows, the settings, and where and how it ran.</summary>
/// <param name="GeneratedUtc">When the run finished.</param>
/// <param name="CommandLine">The command that produced it.</param>
/// <param name="Mode">"full", "quick" or "soak".</param>
/// <param name="SecondsPerRun">Target duration of each run (0 when runs are sized in rows).</param>
/// <param name="RowsPerRun">Rows per run when sized in rows (soak), else null.</param>
/// <param name="Repeats">Repeats per scenario; figures are medians over them.</param>
/// <param name="Machine">The machine.</param>
/// <param name="Rows">One row per scenario and K.</param>
public sealed record BenchReport(
    DateTime GeneratedUtc,
    string CommandLine,
    string Mode,
    double SecondsPerRun,
    long? RowsPerRun,
    int Repeats,
    MachineInfo Machine,
    IReadOnlyList<ResultRow> Rows)
{
    /// <summary>True when no scenario failed.</summary>
    public bool AllOk => Rows.All(r => r.Status != ResultRow.Failed);
}
