using System.Diagnostics;

namespace DocTable.Orleans.Bench.Runner;

/// <summary>
/// This benchmark program started again as a child process (an S1 worker, or one isolated run).
/// The child's last meaningful stdout line starts with <see cref="ResultPrefix"/>; other lines are
/// passed to stderr. Disposing kills a child that is still running.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    /// <summary>Prefix of the line that carries a child's JSON result.</summary>
    public const string ResultPrefix = "RESULT ";

    private readonly Process _process;

    private ChildProcess(Process process) => _process = process;

    /// <summary>Starts <c>dotnet DocTable.Orleans.Bench.dll</c> with <paramref name="args"/>.</summary>
    public static ChildProcess Start(IEnumerable<string> args)
    {
        var info = new ProcessStartInfo(Client.Tools.OsProcess.DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        info.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        foreach (var a in args) info.ArgumentList.Add(a);
        return new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}."));
    }

    /// <summary>
    /// Starts <c>python3 <paramref name="script"/></c> with <paramref name="args"/> (S5's producers), speaking
    /// the same lines as a child of this program; <paramref name="environment"/> adds variables.
    /// </summary>
    public static ChildProcess StartPython(string script, IEnumerable<string> args, IReadOnlyDictionary<string, string> environment)
    {
        var info = new ProcessStartInfo("python3")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        };
        info.ArgumentList.Add(script);
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (name, value) in environment) info.Environment[name] = value;
        return new ChildProcess(Process.Start(info) ?? throw new InvalidOperationException("Could not start python3."));
    }

    /// <summary>Reads lines until <paramref name="expected"/> arrives.</summary>
    public async Task ExpectLineAsync(string expected, CancellationToken cancellationToken)
    {
        while (await ReadLineAsync(cancellationToken) != expected) { }
    }

    /// <summary>Sends one line to the child's stdin.</summary>
    public async Task SendLineAsync(string line)
    {
        await _process.StandardInput.WriteLineAsync(line);
        await _process.StandardInput.FlushAsync();
    }

    /// <summary>Reads lines until the result line and returns its JSON.</summary>
    public async Task<string> ReadResultAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken);
            if (line.StartsWith(ResultPrefix, StringComparison.Ordinal)) return line[ResultPrefix.Length..];
            Console.Error.WriteLine($"  [child {_process.Id}] {line}");
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = await _process.StandardOutput.ReadLineAsync(cancellationToken);
        if (line is not null) return line;
        await _process.WaitForExitAsync(cancellationToken);
        throw new InvalidDataException($"Child process {_process.Id} ended (exit code {_process.ExitCode}) without sending its result.");
    }

    /// <summary>Waits for the child to exit; kills it if it is still running.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

}
