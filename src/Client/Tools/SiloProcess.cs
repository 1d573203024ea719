using System.Diagnostics;
using System.Globalization;

namespace DocTable.Orleans.Client.Tools;

/// <summary>
/// A silo as a real OS process, for the benchmark and the cluster and HTTP tests: <c>dotnet
/// DocTable.Orleans.Silo.dll [--cluster …] --data … --silo-port … --gateway-port …</c> on free ports (the
/// built src/Silo, which sits next to any program referencing src/Client). Its output is drained
/// continuously and the last lines kept for error messages. <see cref="StartAsync"/> returns once the
/// silo has started (joined the cluster and serves calls). Disposing sends SIGTERM (a graceful stop)
/// and kills the process if it has not exited within a minute.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private const string SiloDll = "DocTable.Orleans.Silo.dll";
    private readonly Process _process;
    private readonly Queue<string> _tail = new();
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SiloProcess(Process process, int siloPort, int gatewayPort)
    {
        _process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
    }

    /// <summary>The silo's pid.</summary>
    public int Id => _process.Id;

    /// <summary>Its silo-to-silo port (the port in its silo address, e.g. in <see cref="TableStats.Silo"/>).</summary>
    public int SiloPort { get; }

    /// <summary>Its gateway port.</summary>
    public int GatewayPort { get; }

    /// <summary>The URL its HTTP endpoint listens on (<c>http://127.0.0.1:PORT</c>), once started; the first one it reports.</summary>
    public string? HttpUrl { get; private set; }

    /// <summary>True once the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Its exit code, once it has ended.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>
    /// Starts a silo of <paramref name="cluster"/> over <paramref name="data"/> in <paramref name="group"/>,
    /// with <paramref name="extra"/> options, and waits (up to two minutes) until it has started.
    /// </summary>
    public static Task<SiloProcess> StartAsync(string cluster, string data, string group = "default", IEnumerable<string>? extra = null, CancellationToken cancellationToken = default)
        => StartProcessAsync(["--cluster", cluster, "--data", data, "--group", group, .. extra ?? []], null, cancellationToken);

    /// <summary>
    /// Starts a silo alone on this machine (no cluster, no Redis) over <paramref name="data"/>, as
    /// <c>doctable serve</c> runs one: its HTTP endpoint on loopback on a free port unless
    /// <paramref name="extra"/> gives <c>--http</c>; <see cref="HttpUrl"/> is where it listens.
    /// <paramref name="environment"/> adds variables (e.g. <c>DOCTABLE__HTTPTOKEN</c>).
    /// </summary>
    public static Task<SiloProcess> StartStandaloneAsync(string data, IEnumerable<string>? extra = null, IReadOnlyDictionary<string, string>? environment = null, CancellationToken cancellationToken = default)
    {
        List<string> args = ["--data", data, .. extra ?? []];
        if (!args.Contains("--http")) args.AddRange(["--http", "127.0.0.1:0"]);
        return StartProcessAsync(args, environment, cancellationToken);
    }

    private static async Task<SiloProcess> StartProcessAsync(List<string> args, IReadOnlyDictionary<string, string>? environment, CancellationToken cancellationToken)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, SiloDll);
        if (!File.Exists(dll)) throw new FileNotFoundException($"{SiloDll} is not next to this program; build the solution (dotnet build -c Release).", dll);
        var info = new ProcessStartInfo(DotnetHost()) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        int siloPort = FreePorts.Next(), gatewayPort = FreePorts.Next();
        var c = CultureInfo.InvariantCulture;
        foreach (var a in new[] { dll, "--silo-port", siloPort.ToString(c), "--gateway-port", gatewayPort.ToString(c) })
            info.ArgumentList.Add(a);
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>()) info.Environment[name] = value;
        info.Environment["Logging__Console__FormatterName"] = "simple";
        info.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        info.Environment["Logging__LogLevel__Default"] = "Warning";
        info.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        var silo = new SiloProcess(new Process { StartInfo = info }, siloPort, gatewayPort);
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
            if (await Task.WhenAny(silo._started.Task, exited) != silo._started.Task)
                throw new InvalidOperationException($"The silo (pid {silo.Id}) {(silo._process.HasExited ? "exited" : "did not start within 2 minutes")}: {silo.Tail}");
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

    /// <summary>Sends SIGTERM (a graceful stop: flush, commit, leave the cluster) and waits up to <paramref name="timeout"/> for the exit.</summary>
    public async Task TerminateAsync(TimeSpan? timeout = null)
    {
        if (_process.HasExited) return;
        using (var term = Process.Start("kill", ["-TERM", Id.ToString(CultureInfo.InvariantCulture)])!) await term.WaitForExitAsync();
        using var wait = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(1));
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            await _process.WaitForExitAsync();
        }
    }

    /// <summary>Kills the process at once (SIGKILL, as <c>kill -9</c>).</summary>
    public void Kill()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_tail)
        {
            _tail.Enqueue(line);
            while (_tail.Count > 30) _tail.Dequeue();
        }
        const string Listening = "Now listening on: ";
        if (HttpUrl is null && line.IndexOf(Listening, StringComparison.Ordinal) is var at and >= 0) HttpUrl = line[(at + Listening.Length)..].Trim();
        if (line.Contains("Application started", StringComparison.Ordinal)) _started.TrySetResult();
    }

    /// <summary>The dotnet host running this program (so children use the same runtime).</summary>
    public static string DotnetHost()
        => Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
            : Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase) ? path
            : "dotnet";


    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await TerminateAsync();
        _process.Dispose();
    }
}
