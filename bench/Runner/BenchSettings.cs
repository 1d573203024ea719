using DocTable.Orleans.Bench.Scenarios;

namespace DocTable.Orleans.Bench.Runner;

/// <summary>What to run, how long, how often, and where to write; parsed from the command line.</summary>
public sealed record BenchSettings
{
    /// <summary>"full", "quick" or "soak".</summary>
    public string Mode { get; init; } = "full";

    /// <summary>Duration of each run.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Repeats per scenario; the table shows medians.</summary>
    public int Repeats { get; init; } = 3;

    /// <summary>Rows per run instead of a duration (the soak).</summary>
    public long? RowsPerRun { get; init; }

    /// <summary>Scenario ids to keep (all when empty).</summary>
    public IReadOnlySet<string> Only { get; init; } = new HashSet<string>();

    /// <summary>Folder under which each run gets a fresh folder.</summary>
    public string WorkRoot { get; init; } = Path.Combine(Path.GetTempPath(), "doctable-bench");

    /// <summary>Where the JSON report goes.</summary>
    public string OutputPath { get; init; } = "";

    /// <summary>
    /// True when the report replaces the committed one (<c>--save</c>: bench/results/latest.json, or
    /// soak.json for the soak). Every other run writes to bench/results/runs/, which git ignores.
    /// </summary>
    public bool Saves { get; init; }

    /// <summary>Run each repeat in a fresh process (default), so peak RSS and GC state are the run's own.</summary>
    public bool Isolated { get; init; } = true;

    /// <summary>The scenarios of this mode, filtered by <see cref="Only"/>.</summary>
    public IReadOnlyList<Scenario> Plan()
    {
        var plan = Mode switch
        {
            "quick" => ScenarioCatalog.Quick(),
            "soak" => [ScenarioCatalog.Soak()],
            _ => ScenarioCatalog.Full(),
        };
        return Only.Count == 0 ? plan : plan.Where(s => Only.Contains(s.Id.ToUpperInvariant())).ToList();
    }

    /// <summary>Usage text.</summary>
    public const string Usage = """
        DocTable.Orleans benchmark: rows/s of S0 (SQLite ceiling), S1 (DocTable's way: K processes),
        S2 (embedded, awaited single rows), S3 (embedded, queue inserters), S4 (cluster), S5 (Python
        processes over HTTP), as a markdown table and as JSON. A run writes its JSON to bench/results/runs/MODE-TIME.json (ignored by git);
        only --save replaces the committed bench/results/latest.json (or soak.json).

        usage: doctable bench [options]      (or: dotnet run --project bench -c Release -- [options])
          --quick            S0, S1 K=5, S2 K=5, S3 K=5 only; 1.5 s runs, 2 repeats (under a minute)
          --soak             5,000,000 rows through S3 K=5 in one process; reports its peak RSS
          --seconds S        duration of each run (default 3; quick 1.5)
          --repeats N        repeats per scenario, medians reported (default 3; quick 2)
          --rows N           rows per run instead of a duration (soak default 5000000)
          --only S0,S3       run only these scenarios
          --dir PATH         folder for the runs' database files (default: system temp)
          --save             write the JSON over the committed bench/results/latest.json (--soak:
                             soak.json); refused with --quick or --only, whose tables are partial
          --out PATH         JSON report path (default bench/results/runs/MODE-TIME.json)
          --in-process       run repeats in this process instead of a fresh process each
        Exit code: 0 when every scenario counted right, 1 when one FAILED, 2 for bad arguments.
        """;

    /// <summary>Parses the orchestrator's options.</summary>
    public static BenchSettings Parse(ArgReader args)
    {
        var quick = args.Flag("--quick");
        var soak = args.Flag("--soak");
        if (quick && soak) throw new ArgumentException("--quick and --soak exclude each other.");
        var mode = soak ? "soak" : quick ? "quick" : "full";
        var repeats = (int)(args.Long("--repeats") ?? (quick ? 2 : soak ? 1 : 3));
        if (repeats < 1) throw new ArgumentException("--repeats must be at least 1.");
        var seconds = args.Double("--seconds", quick ? 1.5 : 3);
        if (seconds <= 0) throw new ArgumentException("--seconds must be positive.");
        var only = args.Value("--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.ToUpperInvariant()).ToHashSet() ?? [];
        var settings = new BenchSettings
        {
            Mode = mode,
            Duration = TimeSpan.FromSeconds(seconds),
            Repeats = repeats,
            RowsPerRun = args.Long("--rows") ?? (soak ? 5_000_000 : null),
            Only = only,
            WorkRoot = args.Value("--dir") ?? Path.Combine(Path.GetTempPath(), "doctable-bench"),
            Isolated = !args.Flag("--in-process"),
        };
        var save = args.Flag("--save");
        var output = args.Value("--out");
        if (save && output is not null) throw new ArgumentException("--save writes the committed bench/results file; --out writes elsewhere: give one of them.");
        if (save && (quick || only.Count > 0))
            throw new ArgumentException($"--save replaces the committed full table, which a {(quick ? "--quick" : "--only")} run does not make; use --out PATH to keep this run.");
        return settings with
        {
            Saves = save,
            OutputPath = output ?? (save ? ResultsFile(soak ? "soak.json" : "latest.json") : ResultsFile(Path.Combine("runs", $"{mode}-{DateTime.UtcNow:yyyyMMdd-HHmmss}.json"))),
        };
    }

    /// <summary>bench/results/<paramref name="file"/> in the repository holding the current folder or this program.</summary>
    private static string ResultsFile(string file)
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "DocTable.Orleans.sln")))
                    return Path.Combine(dir.FullName, "bench", "results", file);
        }
        return Path.Combine(Environment.CurrentDirectory, "bench-results", file);
    }
}
