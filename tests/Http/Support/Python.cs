using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace DocTable.Orleans.Tests.Http.Support;

/// <summary>What a python3 process printed and how it ended.</summary>
public sealed record PythonRun(int ExitCode, string Output, string Error)
{
    /// <summary>The last line of standard output parsed as JSON (the test scripts end with one).</summary>
    public JsonElement Result => JsonDocument.Parse(Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1]).RootElement.Clone();

    /// <summary>Both streams, for messages.</summary>
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>
/// Runs the system's python3 on a script of the repository as a real process, with clients/python on
/// PYTHONPATH (the client is used from the checkout: nothing is installed) and no bytecode written.
/// </summary>
public static class Python
{
    /// <summary>The folder holding DocTable.Orleans.sln, found by walking up from the test assembly.</summary>
    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "DocTable.Orleans.sln"))) return dir.FullName;
            throw new InvalidOperationException($"No DocTable.Orleans.sln above {AppContext.BaseDirectory}.");
        }
    }

    /// <summary>A test script of tests/Http/python.</summary>
    public static string TestScript(string name) => Path.Combine(RepositoryRoot, "tests", "Http", "python", name);

    /// <summary>Runs <c>python3 script args…</c>; fails the test if it does not end within <paramref name="timeout"/>.</summary>
    public static async Task<PythonRun> RunAsync(string script, IEnumerable<string> args, TimeSpan timeout, IReadOnlyDictionary<string, string>? environment = null)
    {
        Assert.True(File.Exists(script), $"{script} is missing.");
        var start = new ProcessStartInfo("python3")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(script);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["PYTHONPATH"] = Path.Combine(RepositoryRoot, "clients", "python");
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        start.Environment["PYTHONUNBUFFERED"] = "1";
        start.Environment.Remove("DOCTABLE_TOKEN");
        start.Environment.Remove("DOCTABLE_URL");
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) start.Environment[name] = value;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start python3");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"python3 {Path.GetFileName(script)} did not finish within {timeout}: {await output}\n{await error}");
        }
        return new PythonRun(process.ExitCode, await output, await error);
    }
}
