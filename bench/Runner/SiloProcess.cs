using System.Diagnostics;

namespace DocTable.Orleans.Bench.Runner;

/// <summary>
/// One cluster silo as a real OS process: <c>dotnet DocTable.Orleans.Silo.dll --broker URI --data DIR</c>
/// (the built src/Silo next to this program). Its output is drained continuously (a full pipe would
/// stall it) and the last lines are kept for error messages. Disposing sends SIGTERM (the silo drains
/// and commits) and kills it if it has not exited within 60 s.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private const string SiloDll = "DocTable.Orleans.Silo.dll";
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly TaskCompletionSource _caughtUp = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SiloProcess(Process process) => _process = process;

    /// <summary>The silo's pid.</summary>
    public int Id => _process.Id;

    /// <summary>Starts a silo and waits until it has caught up with the registry (it then serves placement and tables).</summary>
    public static async Task<SiloProcess> StartAsync(string broker, string data, CancellationToken cancellationToken)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, SiloDll);
        if (!File.Exists(dll)) throw new FileNotFoundException($"{SiloDll} is not next to the benchmark; build the solution (dotnet build -c Release).", dll);
        var info = new ProcessStartInfo(ChildProcess.DotnetHost()) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { dll, "--broker", broker, "--data", data }) info.ArgumentList.Add(a);
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        var silo = new SiloProcess(new Process { StartInfo = info });
        silo._process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        silo._process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        silo._process.Start();
        silo._process.BeginOutputReadLine();
        silo._process.BeginErrorReadLine();
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromMinutes(2));
            var exited = silo._process.WaitForExitAsync(timeout.Token);
            var first = await Task.WhenAny(silo._caughtUp.Task, exited);
            if (first != silo._caughtUp.Task)
                throw new InvalidOperationException($"The silo (pid {silo.Id}) {(silo._process.HasExited ? "exited" : "did not catch up within 2 minutes")}: {silo.Tail}");
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>The silo's last output lines.</summary>
    public string Tail
    {
        get { lock (_tail) return string.Join(" | ", _tail); }
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_tail)
        {
            _tail.Enqueue(line);
            while (_tail.Count > 20) _tail.Dequeue();
        }
        if (line.Contains("caught up", StringComparison.Ordinal)) _caughtUp.TrySetResult();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            using (var term = Process.Start("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) await term.WaitForExitAsync();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
    }
}
