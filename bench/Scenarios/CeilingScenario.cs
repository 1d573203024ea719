using System.Diagnostics;
using DocTable.Orleans.Bench.Measure;

namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>
/// S0, the ceiling: one connection, WAL, one transaction, one prepared INSERT whose parameter objects
/// are reused; the timestamp string is refreshed every 1024 rows (the grain formats one per batch).
/// </summary>
public sealed class CeilingScenario() : Scenario(1, "WAL")
{
    /// <inheritdoc/>
    public override string Id => "S0";

    /// <inheritdoc/>
    public override string Description => "SQLite ceiling: 1 connection, 1 transaction, 1 prepared INSERT, WAL";

    /// <inheritdoc/>
    public override async Task<RunResult> RunAsync(RunContext context, CancellationToken cancellationToken)
    {
        var path = await BenchTable.CreateAsync(context.WorkDirectory, cancellationToken);
        PeakRss.Reset();
        using var connection = BenchTable.Open(path);
        BenchTable.Execute(connection, "PRAGMA journal_mode = WAL");
        using var insert = new RawInsert(connection);
        var process = BenchTable.ProcessName(0);

        var cost = ProcessCost.Start();
        var started = Stopwatch.GetTimestamp();
        var budget = context.StartBudget(1);
        long rows = 0;
        BenchTable.Execute(connection, "BEGIN IMMEDIATE");
        var updated = StorageValue.FormatDateTime(DateTime.UtcNow);
        while (budget.More(rows))
        {
            if ((rows & 1023) == 0) updated = StorageValue.FormatDateTime(DateTime.UtcNow);
            insert.Insert(process, rows, updated);
            rows++;
        }
        BenchTable.Execute(connection, "COMMIT");
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new RunResult(rows, seconds, BenchTable.Count(path), [], PeakRss.ReadMb(),
            CpuUsPerRow: cost.CpuMicrosPerRow(rows), AllocBytesPerRow: cost.AllocatedBytesPerRow(rows));
    }
}
