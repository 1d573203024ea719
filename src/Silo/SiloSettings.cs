using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Configuration;

namespace DocTable.Orleans;

/// <summary>
/// How a silo process runs, from its command line (<c>--cluster</c>, <c>--group</c>, <c>--data</c>, …)
/// or the environment (<c>DOCTABLE__CLUSTER</c>, <c>DOCTABLE__GROUP</c>, <c>DOCTABLE__DATA</c>, …).
/// </summary>
public sealed class SiloSettings
{
    /// <summary>Configuration section of the settings.</summary>
    public const string Section = "DocTable";

    /// <summary>The command-line switches and the settings they set.</summary>
    public static IReadOnlyDictionary<string, string> Switches { get; } = new Dictionary<string, string>
    {
        ["--cluster"] = "DocTable:Cluster",
        ["--group"] = "DocTable:Group",
        ["--data"] = "DocTable:Data",
        ["--silo-port"] = "DocTable:SiloPort",
        ["--gateway-port"] = "DocTable:GatewayPort",
        ["--advertise"] = "DocTable:Advertise",
        ["--dashboard"] = "DocTable:Dashboard",
        ["--http"] = "DocTable:Http",
        ["--http-token"] = "DocTable:HttpToken",
        ["--http-max-body"] = "DocTable:HttpMaxBody",
        ["--durability"] = "DocTable:Durability",
        ["--probe-timeout"] = "DocTable:ProbeTimeout",
        ["--missed-probes"] = "DocTable:MissedProbes",
    };

    /// <summary>The cluster's Redis, <c>redis://host:port[/cluster-id]</c>; without it the silo is alone on this machine.</summary>
    public string? Cluster { get; set; }

    /// <summary>This silo's failover group (the silos sharing its data directory).</summary>
    public string Group { get; set; } = "default";

    /// <summary>The data directory: one SQLite file per table.</summary>
    public string Data { get; set; } = "data";

    /// <summary>Port for silo-to-silo traffic.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients connect to.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this silo at (default: loopback when Redis is on loopback, else this machine's first IPv4 address).</summary>
    public string? Advertise { get; set; }

    /// <summary><c>host:port</c> to serve the Orleans Dashboard on (none by default).</summary>
    public string? Dashboard { get; set; }

    /// <summary>
    /// <c>host:port</c> of the silo's HTTP endpoint (<c>/health</c>, the table API, <c>/metrics</c>); loopback
    /// on any free port by default. Any other address needs <see cref="HttpToken"/>.
    /// </summary>
    public string Http { get; set; } = "127.0.0.1:0";

    /// <summary>
    /// The bearer token every HTTP request but <c>/health</c> must carry (<c>Authorization: Bearer …</c>);
    /// required when <see cref="Http"/> is not a loopback address. None by default.
    /// </summary>
    public string? HttpToken { get; set; }

    /// <summary>The largest HTTP request body taken, in bytes (default 64 MiB, at most 1 GiB); larger ones are answered 413.</summary>
    public long HttpMaxBody { get; set; } = 64L << 20;

    /// <summary>Commit durability: Full (default) or Normal.</summary>
    public Durability Durability { get; set; } = Durability.Full;

    /// <summary>How long a membership probe of another silo waits; a silo that misses <see cref="MissedProbes"/> in a row is declared dead.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes before a silo is declared dead.</summary>
    public int MissedProbes { get; set; } = 2;

    /// <summary>The settings in <paramref name="configuration"/>'s <c>DocTable</c> section, checked.</summary>
    public static SiloSettings From(IConfiguration configuration)
    {
        var settings = new SiloSettings();
        configuration.GetSection(Section).Bind(settings);
        Identifier.Validate(settings.Group, "group");
        if (settings.SiloPort is < 1 or > 65535 || settings.GatewayPort is < 1 or > 65535)
            throw new ArgumentException($"--silo-port and --gateway-port must be between 1 and 65535 (got {settings.SiloPort} and {settings.GatewayPort}).");
        if (settings.ProbeTimeout <= TimeSpan.Zero || settings.MissedProbes < 1)
            throw new ArgumentException("--probe-timeout must be positive and --missed-probes at least 1.");
        if (settings.Cluster is not null) ClusterAddress.Parse(settings.Cluster);
        if (settings.Advertise is not null && !IPAddress.TryParse(settings.Advertise, out _))
            throw new ArgumentException($"--advertise '{settings.Advertise}' is not an IP address.");
        HostPort(settings.Http, "--http");
        if (string.IsNullOrEmpty(settings.HttpToken)) settings.HttpToken = null;
        if (settings.HttpToken is null && !IsLoopback(settings.Http))
            throw new ArgumentException(
                $"--http {settings.Http} is not a loopback address, so anyone who reaches this machine could read and write every table: " +
                "give a bearer token with --http-token TOKEN (or DOCTABLE__HTTPTOKEN), or bind 127.0.0.1.");
        if (settings.HttpMaxBody is < 1024 or > 1L << 30)
            throw new ArgumentException($"--http-max-body must be between 1024 bytes and 1 GiB (1073741824) (got {settings.HttpMaxBody}): a batch is held whole while it is converted.");
        if (settings.Dashboard is not null)
        {
            // The dashboard is told apart from the API by its port: it needs one of its own.
            var dashboard = HostPort(settings.Dashboard, "--dashboard");
            if (dashboard == 0 || dashboard == HostPort(settings.Http, "--http"))
                throw new ArgumentException($"--dashboard '{settings.Dashboard}' needs a port of its own (not 0, not the --http port).");
        }
        return settings;
    }

    /// <summary>The URLs Kestrel listens on: the HTTP endpoint, and the dashboard's when it has one.</summary>
    public string[] WebUrls() => Dashboard is null ? ["http://" + Http] : ["http://" + Http, "http://" + Dashboard];

    /// <summary>The port of a <c>host:port</c> setting.</summary>
    public static int HostPort(string value, string option)
    {
        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), out var port) || port is < 0 or > 65535)
            throw new ArgumentException($"{option} '{value}' is not host:port (e.g. 127.0.0.1:8080).");
        return port;
    }

    /// <summary>True when the host of the <c>host:port</c> <paramref name="value"/> is <c>localhost</c> or a loopback address.</summary>
    public static bool IsLoopback(string value)
    {
        var host = value[..value.LastIndexOf(':')].Trim('[', ']');
        return host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
    }

    /// <summary>The address to advertise: the one given, else loopback for a loopback Redis (or none), else this machine's first IPv4 address.</summary>
    public IPAddress AdvertisedAddress()
    {
        if (Advertise is not null) return IPAddress.Parse(Advertise);
        var redis = Cluster is null ? null : ClusterAddress.Parse(Cluster).Host;
        if (redis is null || redis is "localhost" || (IPAddress.TryParse(redis, out var ip) && IPAddress.IsLoopback(ip))) return IPAddress.Loopback;
        return NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? IPAddress.Loopback;
    }
}
