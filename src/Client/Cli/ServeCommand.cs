using System.CommandLine;
using System.Globalization;

namespace DocTable.Orleans.Client.Cli;

/// <summary>
/// <c>doctable serve --data DIR [--http 127.0.0.1:8080]</c>: one machine, no Redis — a silo alone over a
/// data directory whose HTTP endpoint serves the table API (docs/HTTP.md), e.g. to Python notebooks.
/// It runs <see cref="SiloApp"/> without <c>--cluster</c>, on free silo and gateway ports unless given.
/// SIGTERM or Ctrl+C stop it gracefully (tables commit and close).
/// </summary>
internal static class ServeCommand
{
    /// <summary>The HTTP endpoint when <c>--http</c> is not given.</summary>
    public const string DefaultHttp = "127.0.0.1:8080";

    private static readonly (string Name, string Help)[] Options =
    [
        ("--data", "Data directory, one SQLite file per table (default: data)"),
        ("--http", $"HOST:PORT of the HTTP endpoint (default {DefaultHttp}; port 0 picks a free one). Any address but loopback needs --http-token"),
        ("--http-token", "Bearer token every request but /health must carry (or DOCTABLE__HTTPTOKEN)"),
        ("--http-max-body", "Largest request body in bytes (default 67108864); larger ones get 413"),
        ("--durability", "Full (default) or Normal"),
        ("--dashboard", "HOST:PORT to serve the Orleans Dashboard on"),
        ("--silo-port", "Orleans silo port (default: a free one)"),
        ("--gateway-port", "Orleans gateway port (default: a free one)"),
    ];

    public static Command Create()
    {
        var command = new Command("serve", "Serve the tables of a data directory over HTTP on this machine (no cluster, no Redis): the API of docs/HTTP.md, for Python and curl");
        var options = Options.ToDictionary(o => o.Name, o => new Option<string?>(o.Name) { Description = o.Help });
        foreach (var option in options.Values) command.Options.Add(option);
        command.SetAction(async (parse, ct) =>
        {
            var terminal = Terminal.For(parse);
            var args = new List<string>();
            foreach (var (name, option) in options)
                if (parse.GetValue(option) is { } value) args.AddRange([name, value]);
            if (parse.GetValue(options["--http"]) is null) args.AddRange(["--http", DefaultHttp]);
            if (parse.GetValue(options["--silo-port"]) is null) args.AddRange(["--silo-port", FreePort()]);
            if (parse.GetValue(options["--gateway-port"]) is null) args.AddRange(["--gateway-port", FreePort()]);
            try
            {
                await SiloApp.RunAsync([.. args], ct);
                return 0;
            }
            catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException)
            {
                return terminal.Fail(e);   // IO: the HTTP port is taken
            }
        });
        return command;
    }

    private static string FreePort() => FreePorts.Next().ToString(CultureInfo.InvariantCulture);
}
