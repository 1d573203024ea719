using System.Diagnostics;
using System.Text;

namespace DocTable.Orleans.Tests.Cluster;

/// <summary>
/// A real OS process running the built doctable.dll (<c>dotnet doctable.dll …</c>) with its output
/// captured, so tests can wait for log lines, kill -9 it or send it SIGTERM.
/// </summary>
public sealed class DocTableProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private DocTableProcess(Process process) => _process = process;

    /// <summary>Process id.</summary>
    public int Id => _process.Id;

    /// <summary>Everything written so far to stdout and stderr.</summary>
    public string Output
    {
        get { lock (_output) return _output.ToString(); }
    }

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Exit code (after exit).</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Starts <c>dotnet doctable.dll</c> with <paramref name="args"/>.</summary>
    public static DocTableProcess Start(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "doctable.dll"));
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        var process = new Process { StartInfo = info };
        var self = new DocTableProcess(process);
        process.OutputDataReceived += (_, e) => self.Append(e.Data);
        process.ErrorDataReceived += (_, e) => self.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return self;
    }

    /// <summary>Starts a silo on <paramref name="broker"/> over <paramref name="data"/>.</summary>
    public static DocTableProcess StartSilo(string broker, string data, string group = "default")
        => Start("silo", "--broker", broker, "--data", data, "--group", group);

    /// <summary>Starts a silo and waits until it has caught up with the registry (it then serves placement and its tables).</summary>
    public static async Task<DocTableProcess> StartReadySiloAsync(string broker, string data, string group)
    {
        var silo = StartSilo(broker, data, group);
        await silo.WaitForOutputAsync("caught up");
        return silo;
    }

    /// <summary>Called with every output line as it arrives (on the reader thread), e.g. to kill at an exact moment.</summary>
    public Action<DocTableProcess, string>? OnLine { get; set; }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
        OnLine?.Invoke(this, line);
    }

    /// <summary>Waits until the output contains <paramref name="text"/> (fails with the output after <paramref name="timeout"/>).</summary>
    public Task WaitForOutputAsync(string text, TimeSpan? timeout = null)
        => Wait.UntilAsync(() => Output.Contains(text, StringComparison.Ordinal), timeout ?? TimeSpan.FromSeconds(60),
            () => $"'{text}' never appeared in the output of pid {Id}:\n{Output}");

    /// <summary>Waits for the process to exit and returns its exit code.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"pid {Id} did not exit within {timeout}:\n{Output}");
        }
        return _process.ExitCode;
    }

    /// <summary>kill -9.</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
    }

    /// <summary>Sends SIGTERM.</summary>
    public void Terminate()
    {
        if (_process.HasExited) return;
        using var kill = Process.Start("kill", ["-TERM", Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}

/// <summary>Bounded waits on conditions (never fixed sleeps).</summary>
public static class Wait
{
    /// <summary>Polls <paramref name="condition"/> until it holds; throws with <paramref name="describe"/> after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(describe());
            await Task.Delay(100);
        }
    }

    /// <summary>Polls an async condition until it holds.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException(describe());
            await Task.Delay(200);
        }
    }
}
