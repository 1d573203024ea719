using System.CommandLine;
using System.Diagnostics;
using DocTable.Orleans.Client.Cli;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded.Support;

/// <summary>What a <c>doctable</c> process printed and how it ended.</summary>
public sealed record CliRun(int ExitCode, string Output, string Error)
{
    /// <summary>The most memory the process held (VmHWM, sampled while it ran), in MB; 0 for in-process runs.</summary>
    public double PeakRssMb { get; init; }

    /// <summary>Standard output and error together, for messages.</summary>
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>
/// Runs the built <c>doctable</c> CLI as a real OS process: <c>dotnet doctable.dll …</c>, from the copy
/// next to the test assembly (the tests reference src/Client, so the build puts it there).
/// </summary>
public static class DoctableCli
{
    /// <summary>
    /// Runs <c>doctable</c> with <paramref name="args"/> inside this process (as <c>Program.cs</c> does)
    /// with its standard output and error captured: the errors a test provokes on purpose end up in the
    /// returned <see cref="CliRun"/> for the test to check, never in the test log where they would read
    /// like failures.
    /// </summary>
    public static async Task<CliRun> InvokeAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CommandLine.InvokeAsync(args, new InvocationConfiguration { Output = output, Error = error });
        return new CliRun(code, output.ToString(), error.ToString());
    }

    /// <summary>Path of the built CLI.</summary>
    public static string DllPath => Path.Combine(AppContext.BaseDirectory, "doctable.dll");

    /// <summary>
    /// Starts <c>doctable</c> with <paramref name="args"/>, standard output and error redirected, <c>NO_COLOR</c>
    /// set and <c>COLUMNS=160</c>; <paramref name="environment"/> overrides variables (null removes one).
    /// The returned task ends with the process.
    /// </summary>
    public static async Task<CliRun> RunAsync(IEnumerable<string> args, TimeSpan? timeout = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        Assert.True(File.Exists(DllPath), $"{DllPath} is missing: build the solution first.");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(DllPath);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["NO_COLOR"] = "1";
        start.Environment["COLUMNS"] = "160";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        var peak = SamplePeakRssAsync(process);
        try
        {
            await process.WaitForExitAsync().WaitAsync(timeout ?? TimeSpan.FromMinutes(2));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"doctable {string.Join(' ', args)} did not finish in time.");
        }
        return new CliRun(process.ExitCode, await output, await error) { PeakRssMb = await peak };
    }

    /// <summary>The process's VmHWM (peak resident memory) from /proc, read every 20 ms until it exits.</summary>
    private static async Task<double> SamplePeakRssAsync(Process process)
    {
        double peak = 0;
        var status = $"/proc/{process.Id}/status";
        while (!process.HasExited)
        {
            try
            {
                foreach (var line in await File.ReadAllLinesAsync(status))
                    if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                        peak = Math.Max(peak, double.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) / 1024);
            }
            catch (IOException)
            {
                break; // it exited between the check and the read
            }
            await Task.Delay(20);
        }
        return peak;
    }
}
