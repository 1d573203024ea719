using System.CommandLine;

namespace DocTable.Orleans.Client.Cli;

/// <summary>
/// <c>doctable silo …</c>: runs a silo in this process, exactly as <c>dotnet DocTable.Orleans.Silo.dll …</c>
/// does (same options, same <c>DOCTABLE__*</c> environment settings). SIGTERM or Ctrl+C stop it gracefully.
/// </summary>
internal static class SiloCommand
{
    private static readonly Dictionary<string, string> Help = new()
    {
        ["--cluster"] = "The cluster's Redis, redis://HOST:PORT[/CLUSTER-ID]; without it the silo is alone on this machine",
        ["--group"] = "Failover group: the silos that share this data directory (default: default)",
        ["--data"] = "Data directory, one SQLite file per table (default: data)",
        ["--silo-port"] = "Port for silo-to-silo traffic (default 11111)",
        ["--gateway-port"] = "Port clients connect to (default 30000)",
        ["--advertise"] = "IP address other silos and clients reach this silo at",
        ["--dashboard"] = "HOST:PORT to serve the Orleans Dashboard on",
        ["--http"] = "HOST:PORT of the silo's HTTP endpoint (/health, the table API, /metrics); default 127.0.0.1 on a free port",
        ["--http-token"] = "Bearer token HTTP requests must carry (required to bind --http to a non-loopback address; or DOCTABLE__HTTPTOKEN)",
        ["--http-max-body"] = "Largest HTTP request body in bytes (default 67108864); larger ones get 413",
        ["--durability"] = "Full (default) or Normal",
        ["--probe-timeout"] = "Membership probe timeout (default 00:00:01); a silo missing --missed-probes in a row is declared dead",
        ["--missed-probes"] = "Missed probes before a silo is declared dead (default 2)",
    };

    public static Command Create()
    {
        var command = new Command("silo", "Run a silo: the DocTable grains over a data directory, alone or as a member of a cluster (SIGTERM stops it gracefully)");
        foreach (var name in SiloSettings.Switches.Keys) command.Options.Add(new Option<string?>(name) { Description = Help[name] });
        command.SetAction(async (parse, ct) =>
        {
            var terminal = Terminal.For(parse);
            var args = parse.Tokens.Select(t => t.Value).SkipWhile(t => t != "silo").Skip(1).ToArray();
            try
            {
                await SiloApp.RunAsync(args, ct);
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException)
            {
                return terminal.Fail(e);
            }
        });
        return command;
    }
}
