using System.CommandLine;
using System.Diagnostics;

namespace DocTable.Orleans.Client.Cli;

/// <summary>
/// <c>doctable bench [options]</c>: runs the benchmark program of the repository's <c>bench/</c>
/// project as a child process, forwarding the options and the exit code. The benchmark references
/// this client, so the client starts it rather than linking it: the built
/// <c>bench/bin/{Release,Debug}/net10.0/DocTable.Orleans.Bench.dll</c> when there is one, else
/// <c>dotnet run --project bench -c Release</c>.
/// </summary>
public static class BenchCommand
{
    private const string BenchDll = "DocTable.Orleans.Bench.dll";

    /// <summary>Builds the command.</summary>
    public static Command Build()
    {
        var command = new Command("bench", "Run the benchmark (S0-S3 rows/s against the SQLite ceiling); options go to the benchmark, e.g. --quick, --soak, -- --help")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        var forwarded = new Argument<string[]>("options") { Arity = ArgumentArity.ZeroOrMore, Description = "Benchmark options (see doctable bench -- --help)" };
        command.Arguments.Add(forwarded);
        command.SetAction((parse, ct) => RunAsync([.. parse.UnmatchedTokens, .. parse.GetValue(forwarded) ?? []], ct));
        return command;
    }

    /// <summary>Starts the benchmark with <paramref name="args"/> and returns its exit code (2 when it cannot be found).</summary>
    public static async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var root = FindRepository();
        if (root is null)
        {
            Console.Error.WriteLine("error: doctable bench runs the bench/ project of the DocTable.Orleans repository; run it from inside the repository (no DocTable.Orleans.sln found above the current folder or this program).");
            return 2;
        }
        var info = new ProcessStartInfo("dotnet") { UseShellExecute = false, WorkingDirectory = root };
        if (FindBuiltBench(root) is { } dll)
        {
            info.ArgumentList.Add(dll);
        }
        else
        {
            foreach (var a in new[] { "run", "--project", Path.Combine(root, "bench"), "-c", "Release", "--" }) info.ArgumentList.Add(a);
        }
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["DOCTABLE_BENCH_LAUNCHER"] = "doctable bench";

        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start dotnet.");
        try
        {
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }
        return process.ExitCode;
    }

    private static string? FindRepository()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "DocTable.Orleans.sln")) && Directory.Exists(Path.Combine(dir.FullName, "bench")))
                    return dir.FullName;
        }
        return null;
    }

    /// <summary>The newest built benchmark, Release preferred over Debug.</summary>
    private static string? FindBuiltBench(string root)
        => new[] { "Release", "Debug" }
            .Select(config => Path.Combine(root, "bench", "bin", config, "net10.0", BenchDll))
            .FirstOrDefault(File.Exists);
}
