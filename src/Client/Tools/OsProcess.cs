using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace DocTable.Orleans.Client.Tools;

/// <summary>
/// A real OS process started by the tests or the benchmark (a silo, a producer, a CLI command,
/// redis-server) with its standard output and error captured line by line, so the caller can wait
/// for output, kill -9 it, send it SIGTERM and read how it ended. Disposing kills it if it still runs.
/// </summary>
public sealed class OsProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private bool _disposed;

    private OsProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>What the caller calls this process (for messages and logs).</summary>
    public string Name { get; }

    /// <summary>The process id.</summary>
    public int Id => _process.Id;

    /// <summary>The command line, for messages.</summary>
    public string CommandLine => $"{_process.StartInfo.FileName} {string.Join(' ', _process.StartInfo.ArgumentList)}";

    /// <summary>Everything written so far to standard output and error, in arrival order, each line after its arrival time (<c>[  1.234] </c>).</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>The output's lines as the process wrote them (without the arrival times <see cref="Output"/> shows).</summary>
    public string[] Lines => Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[(l.IndexOf("] ", StringComparison.Ordinal) + 2)..].TrimEnd('\r')).ToArray();

    /// <summary>True once the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code (once ended).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// Starts <paramref name="fileName"/> with <paramref name="args"/> in the folder of this program;
    /// <paramref name="environment"/> adds variables.
    /// </summary>
    public static OsProcess Start(string name, string fileName, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) info.Environment[key] = value;
        var process = new Process { StartInfo = info };
        var self = new OsProcess(name, process);
        process.OutputDataReceived += (_, e) => self.Append(e.Data);
        process.ErrorDataReceived += (_, e) => self.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return self;
    }

    /// <summary>
    /// Starts <c>dotnet <paramref name="dll"/> …</c> from the copy next to this program (the silo and
    /// <c>doctable.dll</c> sit next to any program referencing src/Client), with the same dotnet host
    /// (<see cref="DotnetHost"/>), logging one line per entry with its time and without colours.
    /// </summary>
    public static OsProcess Dotnet(string name, string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var path = Path.Combine(AppContext.BaseDirectory, dll);
        if (!File.Exists(path)) throw new FileNotFoundException($"{path} is missing: build the solution first (dotnet build -c Release).", path);
        var env = new Dictionary<string, string>
        {
            ["NO_COLOR"] = "1",
            ["COLUMNS"] = "160",
            ["Logging__Console__FormatterName"] = "simple",
            ["Logging__Console__FormatterOptions__SingleLine"] = "true",
            ["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ",
            // Every /health poll and placement attempt would be logged at Information.
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
            ["Logging__LogLevel__Polly"] = "Warning",
        };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) env[key] = value;
        return Start(name, DotnetHost(), [path, .. args], env);
    }

    /// <summary>The dotnet host running this program (so children use the same runtime).</summary>
    public static string DotnetHost()
        => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
            : Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase) ? path
            : "dotnet";

    /// <summary>The full path of program <paramref name="name"/> in a folder of the PATH, or null when there is none.</summary>
    public static string? FindOnPath(string name)
        => (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name)).FirstOrDefault(File.Exists);

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output)
        {
            _output.Append(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,7:0.000}] ").AppendLine(line);
        }
    }

    /// <summary>The last <paramref name="lines"/> lines of output.</summary>
    public string Tail(int lines)
    {
        var all = Output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    /// <summary>Waits until the output contains <paramref name="text"/>; fails with the output's tail after <paramref name="timeout"/> or when the process ends first.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!Output.Contains(text, StringComparison.Ordinal))
        {
            if (HasExited && !Output.Contains(text, StringComparison.Ordinal))
                throw new InvalidOperationException($"{Name} (pid {Id}) ended with exit code {ExitCode} before printing '{text}':\n{Tail(40)}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"'{text}' never appeared in the output of {Name} (pid {Id}) within {timeout}:\n{Tail(40)}");
            await Task.Delay(50);
        }
    }

    /// <summary>Waits for the process to end and returns its exit code; fails with the output's tail after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"{Name} (pid {Id}) did not end within {timeout}:\n{Tail(40)}");
        }
        return _process.ExitCode;
    }

    /// <summary>kill -9 (SIGKILL), then waits until the process is gone.</summary>
    public async Task KillAsync()
    {
        if (_disposed) return;
        if (!_process.HasExited)
        {
            try { _process.Kill(); }
            catch (InvalidOperationException) { } // ended meanwhile
        }
        await _process.WaitForExitAsync();
    }

    /// <summary>Sends SIGTERM (<c>kill -TERM pid</c>); does not wait for the process to end.</summary>
    public void Terminate()
    {
        if (_disposed || _process.HasExited) return;
        using var kill = Process.Start("kill", ["-TERM", Id.ToString(CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        if (kill.ExitCode != 0 && !_process.HasExited) throw new InvalidOperationException($"kill -TERM {Id} failed with exit code {kill.ExitCode}.");
    }

    /// <summary>
    /// A graceful stop: SIGTERM, then waits up to <paramref name="timeout"/> (a minute unless given) for
    /// the process to end, and kills it (SIGKILL) when it has not.
    /// </summary>
    public async Task StopAsync(TimeSpan? timeout = null)
    {
        if (_disposed || _process.HasExited) return;
        Terminate();
        using var wait = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(1));
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            await KillAsync();
        }
    }

    /// <summary>Kills the process if it still runs (SIGKILL) and releases it; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        await KillAsync();
        _disposed = true;
        _process.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} (pid {Id})";
}
