using System.Globalization;
using System.Text.Json;
using DocTable.Orleans.Bench.Measure;
using DocTable.Orleans.Bench.Report;
using DocTable.Orleans.Bench.Scenarios;

namespace DocTable.Orleans.Bench.Runner;

/// <summary>
/// Runs a plan: every runnable scenario once per repeat (repeats outermost, so noise from the shared
/// machine spreads over all scenarios), each run in a fresh folder and, by default, a fresh process.
/// </summary>
public sealed class ScenarioRunner(BenchSettings settings, TextWriter progress)
{
    /// <summary>The switch that makes this program run one scenario and print its <see cref="RunResult"/>.</summary>
    public const string RunOneMode = "--run-one";

    /// <summary>Runs <paramref name="plan"/> and summarizes each scenario.</summary>
    public async Task<IReadOnlyList<ResultRow>> RunAllAsync(IReadOnlyList<Scenario> plan, CancellationToken cancellationToken)
    {
        var runs = plan.ToDictionary(s => s, _ => new List<RunResult>());
        var runnable = plan.Where(s => s.NotRunReason is null).ToList();
        for (var repeat = 1; repeat <= settings.Repeats; repeat++)
        {
            foreach (var scenario in runnable)
            {
                var result = await RunOnceAsync(scenario, cancellationToken);
                runs[scenario].Add(result);
                progress.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"[{repeat}/{settings.Repeats}] {scenario}: {result.RowsPerSecond:N0} rows/s, {result.Rows:N0} rows in {result.Seconds:0.00} s, count {(result.CountOk ? "ok" : "FAILED " + (result.Error ?? $"{result.Counted} ≠ {result.Rows}"))}"));
            }
        }
        var ceiling = runnable.FirstOrDefault(s => s is CeilingScenario { Native: true }) is { } s0 && runs[s0].All(r => r.CountOk)
            ? ResultRow.Median(runs[s0].Select(r => r.RowsPerSecond))
            : (double?)null;
        return plan.Select(s => ResultRow.From(s, runs[s], ceiling)).ToList();
    }

    /// <summary>Runs <paramref name="scenario"/> once in a fresh folder; failures become failed results, never exceptions.</summary>
    public async Task<RunResult> RunOnceAsync(Scenario scenario, CancellationToken cancellationToken)
    {
        var folder = Path.Combine(settings.WorkRoot, $"{scenario.Id}-k{scenario.K}-{Guid.NewGuid():N}"[..24]);
        Directory.CreateDirectory(folder);
        var context = new RunContext(settings.Duration, folder, settings.RowsPerRun);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.RowsPerRun is null ? settings.Duration + TimeSpan.FromMinutes(3) : TimeSpan.FromMinutes(60));
        try
        {
            return settings.Isolated
                ? await RunInChildAsync(scenario, context, timeout.Token)
                : await RunWarmAsync(scenario, context, timeout.Token);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            return RunResult.Failed($"{scenario}: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }

    /// <summary>The child side of <see cref="RunOneMode"/>: runs one scenario here and prints the result line.</summary>
    public static async Task<int> RunOneAsync(ArgReader args, CancellationToken cancellationToken)
    {
        var scenario = ScenarioCatalog.Create(args.Required("--scenario"), (int)(args.Long("--k") ?? 1), args.Value("--durability"));
        var context = new RunContext(TimeSpan.FromSeconds(args.Double("--seconds", 3)), args.Required("--dir"), args.Long("--rows"));
        using var sampler = args.Flag("--alloc-types") ? new AllocationSampler() : null;
        args.RejectUnknown();
        RunResult result;
        try
        {
            result = await RunWarmAsync(scenario, context, cancellationToken);
        }
        catch (Exception e)
        {
            result = RunResult.Failed($"{scenario}: {e.GetType().Name}: {e.Message}");
        }
        if (sampler is not null)
            foreach (var line in sampler.Top(25, result.Rows)) Console.Error.WriteLine(line);
        Console.WriteLine(ChildProcess.ResultPrefix + JsonSerializer.Serialize(result, BenchJsonContext.Default.RunResult));
        return 0;
    }

    /// <summary>Warm-up: 1.5 s (or the run's length, if shorter; 200,000 rows for runs sized in rows) in a folder of its own, discarded; then the measured run.</summary>
    private static async Task<RunResult> RunWarmAsync(Scenario scenario, RunContext context, CancellationToken cancellationToken)
    {
        if (scenario.WarmsUpInProcess)
        {
            var folder = Path.Combine(context.WorkDirectory, "warmup");
            Directory.CreateDirectory(folder);
            // Long enough for .NET's tiered compilation to reach the optimized code of the hot paths
            // (Orleans' and ours), as in a silo that has been running for a while.
            var warmup = new RunContext(TimeSpan.FromSeconds(Math.Min(1.5, context.Duration.TotalSeconds)), folder,
                context.RowLimit is null ? null : 200_000);
            var result = await scenario.RunAsync(warmup, cancellationToken);
            if (!result.CountOk) return result with { Error = "warm-up: " + (result.Error ?? $"count {result.Counted} ≠ {result.Rows}") };
            Directory.Delete(folder, recursive: true);
        }
        return await scenario.RunAsync(context, cancellationToken);
    }

    private static async Task<RunResult> RunInChildAsync(Scenario scenario, RunContext context, CancellationToken cancellationToken)
    {
        var c = CultureInfo.InvariantCulture;
        List<string> args = [RunOneMode, "--scenario", scenario.Id, "--k", scenario.K.ToString(c),
            "--seconds", context.Duration.TotalSeconds.ToString(c), "--dir", context.WorkDirectory];
        if (scenario.Durability is { } d) args.AddRange(["--durability", d]);
        if (context.RowLimit is { } rows) args.AddRange(["--rows", rows.ToString(c)]);
        await using var child = ChildProcess.Start(args);
        var line = await child.ReadResultAsync(cancellationToken);
        return JsonSerializer.Deserialize(line, BenchJsonContext.Default.RunResult)
               ?? RunResult.Failed($"{scenario}: the child sent an empty result.");
    }
}
