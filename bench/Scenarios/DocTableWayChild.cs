using System.Diagnostics;
using System.Text.Json;
using DocTable.Orleans.Bench.Measure;
using DocTable.Orleans.Bench.Report;
using DocTable.Orleans.Bench.Runner;
using Microsoft.Data.Sqlite;

namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>
/// The body of one S1 child process: opens its own connection, says "ready", waits for "go", then
/// inserts one row per autocommit statement until its time (or row quota) is up, and prints a
/// <see cref="ChildReport"/>.
/// </summary>
public static class DocTableWayChild
{
    /// <summary>The command-line switch that selects this mode.</summary>
    public const string Mode = "--child-s1";

    /// <summary>Line printed once the connection is open.</summary>
    public const string Ready = "ready";

    /// <summary>Line the parent sends to start every child at once.</summary>
    public const string Go = "go";

    /// <summary>Runs the child; <paramref name="args"/> are its options after <see cref="Mode"/>.</summary>
    public static int Run(ArgReader args)
    {
        var path = args.Required("--db");
        var process = args.Required("--process");
        var duration = TimeSpan.FromSeconds(args.Double("--seconds", 3));
        var quota = args.Long("--rows");

        using var connection = BenchTable.Open(path);
        using var insert = new RawInsert(connection);
        Console.WriteLine(Ready);
        if (Console.ReadLine() != Go) return 3;

        var latency = new LatencyHistogram();
        var budget = new RunContext(duration, "", quota).StartBudget(1);
        var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        long rows = 0;
        string? error = null;
        try
        {
            while (budget.More(rows))
            {
                var t0 = Stopwatch.GetTimestamp();
                insert.Insert(process, rows, StorageValue.FormatDateTime(DateTime.UtcNow));
                latency.Record(Stopwatch.GetTimestamp() - t0);
                rows++;
            }
        }
        catch (SqliteException e)
        {
            error = $"{process}: {e.Message}";
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpuSeconds = (System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var report = new ChildReport(rows, seconds, cpuSeconds, PeakRss.ReadMb(), latency.Compact(), error);
        Console.WriteLine(ChildProcess.ResultPrefix + JsonSerializer.Serialize(report, BenchJsonContext.Default.ChildReport));
        return 0;
    }
}
