using System.Globalization;
using System.Net;

namespace DocTable.Orleans.Tests.Cluster.Support;

/// <summary>
/// A DocTable silo as a real OS process: <c>dotnet DocTable.Orleans.Silo.dll --cluster … --group …
/// --data … --silo-port … --gateway-port … --http 127.0.0.1:P [--dashboard 127.0.0.1:Q]</c>, or the same
/// options through <c>dotnet doctable.dll silo …</c>. Every port is explicit and free. It is ready once
/// <c>GET /health</c> on its HTTP endpoint answers 200: the web endpoints start after the silo has
/// joined the cluster.
/// </summary>
public sealed class SiloProcess
{
    /// <summary>Shared client for the silos' web endpoints.</summary>
    public static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    private SiloProcess(string name, string group, string data, OsProcess process, int siloPort, int gatewayPort, int httpPort, int? dashboardPort)
    {
        Name = name;
        Group = group;
        Data = data;
        Process = process;
        SiloPort = siloPort;
        GatewayPort = gatewayPort;
        HttpPort = httpPort;
        DashboardPort = dashboardPort;
    }

    /// <summary>What the test calls this silo.</summary>
    public string Name { get; }

    /// <summary>Its failover group.</summary>
    public string Group { get; }

    /// <summary>Its data directory.</summary>
    public string Data { get; }

    /// <summary>The process.</summary>
    public OsProcess Process { get; }

    /// <summary>Silo-to-silo port (part of the silo's address).</summary>
    public int SiloPort { get; }

    /// <summary>Port clients connect to.</summary>
    public int GatewayPort { get; }

    /// <summary>Port of the HTTP endpoint (<c>/health</c>).</summary>
    public int HttpPort { get; }

    /// <summary>Port of the Orleans Dashboard, when started with one.</summary>
    public int? DashboardPort { get; }

    /// <summary>Starts a silo process (does not wait until it is ready).</summary>
    public static SiloProcess Start(string name, string cluster, string group, string data, bool dashboard = false, bool viaCli = false)
    {
        int siloPort = FreePorts.Next(), gatewayPort = FreePorts.Next(), httpPort = FreePorts.Next();
        int? dashboardPort = dashboard ? FreePorts.Next() : null;
        List<string> args = ["--cluster", cluster, "--group", group, "--data", data,
            "--silo-port", $"{siloPort}", "--gateway-port", $"{gatewayPort}", "--http", $"127.0.0.1:{httpPort}"];
        if (dashboardPort is { } port) args.AddRange(["--dashboard", $"127.0.0.1:{port}"]);
        var process = viaCli
            ? OsProcess.Dotnet(name, "doctable.dll", ["silo", .. args])
            : OsProcess.Dotnet(name, "DocTable.Orleans.Silo.dll", args);
        return new SiloProcess(name, group, data, process, siloPort, gatewayPort, httpPort, dashboardPort);
    }

    /// <summary>Waits until <c>/health</c> answers 200; fails with the silo's output when it ends first or after <paramref name="timeout"/>.</summary>
    public async Task WaitReadyAsync(TimeSpan? timeout = null)
    {
        var bound = timeout ?? TimeSpan.FromSeconds(90);
        var deadline = DateTime.UtcNow + bound;
        while (true)
        {
            if (Process.HasExited)
                throw new InvalidOperationException($"{Name} (pid {Process.Id}) ended with exit code {Process.ExitCode} before it was ready:\n{Process.Tail(40)}");
            if (await GetStatusAsync(HttpPort, "/health") == HttpStatusCode.OK) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{Name} (pid {Process.Id}) was not ready within {bound}:\n{Process.Tail(40)}");
            await Task.Delay(100);
        }
    }

    /// <summary>The status of <c>GET http://127.0.0.1:<paramref name="port"/><paramref name="path"/></c>, or null when nothing answers.</summary>
    public static async Task<HttpStatusCode?> GetStatusAsync(int port, string path)
    {
        try
        {
            using var response = await Http.GetAsync($"http://127.0.0.1:{port}{path}");
            return response.StatusCode;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return null;
        }
    }

    /// <summary>True when <paramref name="siloAddress"/> (Orleans' <c>S127.0.0.1:PORT:GENERATION</c>, as <see cref="TableStats.Silo"/> gives it) is this silo's.</summary>
    public bool Is(string siloAddress) => PortOf(siloAddress) == SiloPort;

    /// <summary>The port in an Orleans silo address <c>S127.0.0.1:PORT:GENERATION</c>.</summary>
    public static int PortOf(string siloAddress)
    {
        var parts = siloAddress.Split(':');
        if (parts.Length < 3 || !int.TryParse(parts[^2], NumberStyles.None, CultureInfo.InvariantCulture, out var port))
            throw new FormatException($"'{siloAddress}' is not a silo address S<ip>:<port>:<generation>.");
        return port;
    }

    /// <summary>kill -9.</summary>
    public Task KillAsync() => Process.KillAsync();

    /// <summary>SIGTERM.</summary>
    public void Terminate() => Process.Terminate();

    /// <inheritdoc/>
    public override string ToString() => $"{Name} (group {Group}, pid {Process.Id}, silo port {SiloPort})";
}
