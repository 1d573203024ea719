using System.Globalization;
using System.Net;

namespace DocTable.Orleans.Client.Tools;

/// <summary>
/// What <see cref="SiloProcess"/> starts: a silo over <see cref="Data"/>, a member of <see cref="Cluster"/>
/// or alone on this machine (as <c>doctable serve</c> runs one) when that is null.
/// </summary>
/// <param name="Data">The silo's data directory.</param>
public sealed record SiloProcessOptions(string Data)
{
    /// <summary>What the caller calls this silo (for messages and logs).</summary>
    public string Name { get; init; } = "silo";

    /// <summary>The cluster's address (<c>redis://HOST:PORT/ID</c>); null for a silo alone on this machine (no Redis).</summary>
    public string? Cluster { get; init; }

    /// <summary>Its failover group; null for the silo's default.</summary>
    public string? Group { get; init; }

    /// <summary>Serve the Orleans Dashboard on a free port of loopback too.</summary>
    public bool Dashboard { get; init; }

    /// <summary>Start it through <c>dotnet doctable.dll silo …</c> instead of <c>dotnet DocTable.Orleans.Silo.dll …</c>.</summary>
    public bool ViaCli { get; init; }

    /// <summary>More silo options (e.g. <c>--http-max-body</c>); not the ports, which the silo process chooses.</summary>
    public IReadOnlyList<string> Extra { get; init; } = [];

    /// <summary>More environment variables of the process (e.g. <c>DOCTABLE__HTTPTOKEN</c>).</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }
}

/// <summary>
/// A DocTable silo as a real OS process, for the benchmark and the cluster and HTTP tests:
/// <c>dotnet DocTable.Orleans.Silo.dll [--cluster … --group …] --data … --silo-port … --gateway-port …
/// --http 127.0.0.1:P [--dashboard 127.0.0.1:Q]</c>, or the same options through <c>dotnet doctable.dll
/// silo …</c> (both sit next to any program referencing src/Client). Every port is explicit and free
/// (<see cref="FreePorts"/>). It is ready once <c>GET /health</c> on its HTTP endpoint answers 200: the
/// web endpoints start after the silo has started (and joined its cluster). Its output is captured
/// (<see cref="Process"/>). Disposing stops it gracefully (SIGTERM; killed if it has not ended within a minute).
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private static readonly string[] ChosenHere = ["--silo-port", "--gateway-port", "--http", "--dashboard"];

    /// <summary>Shared client for the silos' web endpoints.</summary>
    public static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private SiloProcess(SiloProcessOptions options, OsProcess process, int siloPort, int gatewayPort, int httpPort, int? dashboardPort)
    {
        Name = options.Name;
        Group = options.Group;
        Data = options.Data;
        Process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        HttpPort = httpPort;
        DashboardPort = dashboardPort;
    }

    /// <summary>What the caller calls this silo.</summary>
    public string Name { get; }

    /// <summary>Its failover group, when one was given.</summary>
    public string? Group { get; }

    /// <summary>Its data directory.</summary>
    public string Data { get; }

    /// <summary>The process (its pid, output, exit).</summary>
    public OsProcess Process { get; }

    /// <summary>Silo-to-silo port (the port in its silo address, e.g. in <see cref="TableStats.Silo"/>).</summary>
    public int SiloPort { get; }

    /// <summary>Port clients connect to.</summary>
    public int GatewayPort { get; }

    /// <summary>Port of the HTTP endpoint on loopback (<c>/health</c>, the table API, <c>/metrics</c>).</summary>
    public int HttpPort { get; }

    /// <summary>The HTTP endpoint, <c>http://127.0.0.1:PORT</c>.</summary>
    public string HttpUrl => $"http://127.0.0.1:{HttpPort}";

    /// <summary>Port of the Orleans Dashboard, when started with one.</summary>
    public int? DashboardPort { get; }

    /// <summary>Starts a silo process as <paramref name="options"/> say; does not wait until it is ready (<see cref="WaitReadyAsync"/>).</summary>
    public static SiloProcess Start(SiloProcessOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Extra.FirstOrDefault(ChosenHere.Contains) is { } chosen)
            throw new ArgumentException($"{chosen} is chosen by {nameof(SiloProcess)} (a free port), not given in {nameof(SiloProcessOptions.Extra)}.", nameof(options));
        int siloPort = FreePorts.Next(), gatewayPort = FreePorts.Next(), httpPort = FreePorts.Next();
        int? dashboardPort = options.Dashboard ? FreePorts.Next() : null;
        var c = CultureInfo.InvariantCulture;
        List<string> args = [];
        if (options.Cluster is { } cluster) args.AddRange(["--cluster", cluster]);
        if (options.Group is { } group) args.AddRange(["--group", group]);
        args.AddRange(["--data", options.Data, "--silo-port", siloPort.ToString(c), "--gateway-port", gatewayPort.ToString(c),
            "--http", $"127.0.0.1:{httpPort.ToString(c)}"]);
        if (dashboardPort is { } port) args.AddRange(["--dashboard", $"127.0.0.1:{port.ToString(c)}"]);
        args.AddRange(options.Extra);
        var process = options.ViaCli
            ? OsProcess.Dotnet(options.Name, "doctable.dll", ["silo", .. args], options.Environment)
            : OsProcess.Dotnet(options.Name, "DocTable.Orleans.Silo.dll", args, options.Environment);
        return new SiloProcess(options, process, siloPort, gatewayPort, httpPort, dashboardPort);
    }

    /// <summary>
    /// Starts a silo process as <paramref name="options"/> say and waits (up to two minutes) until it is
    /// ready; when it does not get ready, stops it and fails with its output.
    /// </summary>
    public static async Task<SiloProcess> StartAsync(SiloProcessOptions options, CancellationToken cancellationToken = default)
    {
        var silo = Start(options);
        try
        {
            await silo.WaitReadyAsync(cancellationToken: cancellationToken);
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Waits until <c>/health</c> answers 200; fails with the silo's output when it ends first or after
    /// <paramref name="timeout"/> (two minutes unless given).
    /// </summary>
    public async Task WaitReadyAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var bound = timeout ?? TimeSpan.FromMinutes(2);
        var deadline = DateTime.UtcNow + bound;
        while (true)
        {
            if (Process.HasExited)
                throw new InvalidOperationException($"{Name} (pid {Process.Id}) ended with exit code {Process.ExitCode} before it was ready:\n{Process.Tail(40)}");
            if (await GetStatusAsync(HttpPort, "/health", cancellationToken) == HttpStatusCode.OK) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Name} (pid {Process.Id}) was not ready within {bound}:\n{Process.Tail(40)}");
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>The status of <c>GET http://127.0.0.1:<paramref name="port"/><paramref name="path"/></c>, or null when nothing answers.</summary>
    public static async Task<HttpStatusCode?> GetStatusAsync(int port, string path, CancellationToken cancellationToken = default)
    {
        try
        {
            using var response = await Http.GetAsync($"http://127.0.0.1:{port}{path}", cancellationToken);
            return response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }

    /// <summary>True when <paramref name="siloAddress"/> (Orleans' <c>S127.0.0.1:PORT:GENERATION</c>, as <see cref="TableStats.Silo"/> gives it) is this silo's.</summary>
    public bool Is(string siloAddress) => PortOf(siloAddress) == SiloPort;

    /// <summary>The port in an Orleans silo address <c>S127.0.0.1:PORT:GENERATION</c>.</summary>
    public static int PortOf(string siloAddress)
    {
        ArgumentNullException.ThrowIfNull(siloAddress);
        var parts = siloAddress.Split(':');
        if (parts.Length < 3 || !int.TryParse(parts[^2], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            throw new FormatException($"'{siloAddress}' is not a silo address S<ip>:<port>:<generation>.");
        return port;
    }

    /// <summary>kill -9, then waits until the process is gone.</summary>
    public Task KillAsync() => Process.KillAsync();

    /// <summary>SIGTERM (a graceful stop: flush, commit, leave the cluster); does not wait for the process to end.</summary>
    public void Terminate() => Process.Terminate();

    /// <summary>Stops the silo gracefully (SIGTERM, killed if it has not ended within a minute) and releases the process.</summary>
    public async ValueTask DisposeAsync()
    {
        await Process.StopAsync();
        await Process.DisposeAsync();
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({(Group is null ? "" : $"group {Group}, ")}pid {Process.Id}, silo port {SiloPort})";
}
