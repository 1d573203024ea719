using System.Text.Json;
using DocTable.Orleans.Bench.Measure;
using DocTable.Orleans.Bench.Report;
using DocTable.Orleans.Bench.Runner;
using DocTable.Orleans.Bench.Scenarios;

namespace DocTable.Orleans.Bench;

/// <summary>
/// The benchmark's entry: runs the plan, prints the markdown table, writes the JSON report. The same
/// program, started with a child-mode switch, is an S1 worker process or one isolated run.
/// </summary>
public static class BenchProgram
{
    /// <summary>Environment variable a launcher (e.g. <c>doctable bench</c>) sets to name itself in the report.</summary>
    public const string LauncherVariable = "DOCTABLE_BENCH_LAUNCHER";

    /// <summary>The silo's peak RSS target while the soak's rows flow (issue 4).</summary>
    public const int SoakRssTargetMb = 300;

    /// <summary>Runs with <paramref name="args"/>; returns the exit code.</summary>
    public static async Task<int> RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        try
        {
            if (args.Length > 0 && args[0] == DocTableWayChild.Mode) return DocTableWayChild.Run(new ArgReader(args[1..]));
            if (args.Length > 0 && args[0] == ClusterProducerChild.Mode) return await ClusterProducerChild.RunAsync(new ArgReader(args[1..]), cancellationToken);
            if (args.Length > 0 && args[0] == ScenarioRunner.RunOneMode) return await ScenarioRunner.RunOneAsync(new ArgReader(args[1..]), cancellationToken);
            if (args.Contains("--help") || args.Contains("-h"))
            {
                Console.WriteLine(BenchSettings.Usage);
                return 0;
            }
            var reader = new ArgReader(args);
            var settings = BenchSettings.Parse(reader);
            reader.RejectUnknown();
            var report = await RunPlanAsync(settings, CommandLine(args), Console.Error, cancellationToken);
            Console.WriteLine(MarkdownTable.Render(report));
            if (settings.Mode == "soak" && report.Rows.FirstOrDefault() is { } soak)
                Console.WriteLine($"Soak: peak RSS {soak.PeakRssMb:0} MB of the one process hosting the silo while {soak.Rows:N0} rows flowed through {soak.Scenario} K={soak.K} (target: under {SoakRssTargetMb} MB).");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(settings.OutputPath))!);
            await File.WriteAllTextAsync(settings.OutputPath, JsonSerializer.Serialize(report, BenchJsonContext.Indented.BenchReport), cancellationToken);
            Console.WriteLine(settings.Saves
                ? $"JSON: {settings.OutputPath} (saved over the committed results)"
                : $"JSON: {settings.OutputPath} (the committed bench/results/latest.json is unchanged; --save on a full run replaces it)");
            return report.AllOk ? 0 : 1;
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }

    /// <summary>Runs the plan of <paramref name="settings"/> and returns the report (used by the tests too).</summary>
    public static async Task<BenchReport> RunPlanAsync(BenchSettings settings, string commandLine, TextWriter progress, CancellationToken cancellationToken)
    {
        var rows = await new ScenarioRunner(settings, progress).RunAllAsync(settings.Plan(), cancellationToken);
        return new BenchReport(DateTime.UtcNow, commandLine, settings.Mode,
            settings.RowsPerRun is null ? settings.Duration.TotalSeconds : 0, settings.RowsPerRun,
            settings.Repeats, MachineInfo.Current(), rows);
    }

    private static string CommandLine(string[] args)
    {
        var launcher = Environment.GetEnvironmentVariable(LauncherVariable) ?? "dotnet run --project bench -c Release --";
        return string.Join(' ', [launcher, .. args]).Trim();
    }
}
