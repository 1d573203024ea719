using System.Diagnostics;
using DocTable.Orleans.Bench.Measure;

namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>
/// S0, the ceiling: one connection, WAL, one transaction, one INSERT prepared on the native handle
/// with values bound directly (as the table grain binds them, so the ratio compares like with like);
/// the timestamp is refreshed every 1024 rows (the grain formats one per batch).
/// </summary>
/// With <paramref name="native"/> false it is the reference row S0a: the same loop through a reused
/// Microsoft.Data.Sqlite command (what a typical .NET program gets), reported but never the ceiling.
public sealed class CeilingScenario(bool native = true) : Scenario(1, "WAL")
{
    /// <summary>True for the ceiling S0 (native statement); false for the ADO.NET reference S0a.</summary>
    public bool Native => native;

    /// <inheritdoc/>
    public override string Id => native ? "S0" : "S0a";

    /// <inheritdoc/>
    public override string Description => native
        ? "SQLite ceiling: 1 connection, 1 transaction, 1 natively prepared INSERT, WAL"
        : "reference: the same through a reused Microsoft.Data.Sqlite command (ADO.NET)";

    /// <inheritdoc/>
    public override async Task<RunResult> RunAsync(RunContext context, CancellationToken cancellationToken)
    {
        var path = await BenchTable.CreateAsync(context.WorkDirectory, cancellationToken);
        PeakRss.Reset();
        using var connection = BenchTable.Open(path);
        BenchTable.Execute(connection, "PRAGMA journal_mode = WAL");
        using var nativeInsert = native ? new NativeInsert(connection) : null;
        using var adoInsert = native ? null : new RawInsert(connection);
        var process = BenchTable.ProcessName(0);

        var cost = ProcessCost.Start();
        var started = Stopwatch.GetTimestamp();
        var budget = context.StartBudget(1);
        long rows = 0;
        BenchTable.Execute(connection, "BEGIN IMMEDIATE");
        var updated = StorageValue.FormatDateTime(DateTime.UtcNow);
        nativeInsert?.SetUpdated(updated);
        while (budget.More(rows))
        {
            if ((rows & 1023) == 0)
            {
                updated = StorageValue.FormatDateTime(DateTime.UtcNow);
                nativeInsert?.SetUpdated(updated);
            }
            if (nativeInsert is not null) nativeInsert.Insert(process, rows);
            else adoInsert!.Insert(process, rows, updated);
            rows++;
        }
        BenchTable.Execute(connection, "COMMIT");
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new RunResult(rows, seconds, BenchTable.Count(path), [], PeakRss.ReadMb(),
            CpuUsPerRow: cost.CpuMicrosPerRow(rows), AllocBytesPerRow: cost.AllocatedBytesPerRow(rows));
    }
}
