using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace DocTable.Orleans;

/// <summary>
/// A DocTable silo process (<c>dotnet DocTable.Orleans.Silo.dll …</c> or <c>doctable silo …</c>): an
/// Orleans silo hosting the DocTable grains over a data directory, alone on this machine or one member
/// of a cluster whose membership and table catalog live in Redis. SIGTERM (or Ctrl+C) stops it
/// gracefully: queue inserters flush, tables commit and close, and the silo leaves the cluster, whose
/// other silos of its group then take its tables.
/// </summary>
public static class SiloApp
{
    /// <summary>Builds and runs the silo until it is stopped.</summary>
    public static async Task RunAsync(string[] args, CancellationToken cancellationToken = default)
    {
        // 1. Settings: the command line (--cluster, --group, --data, …), then DOCTABLE__* in the environment.
        // Configuration files are read once, not watched: the watcher covers the current folder
        // recursively, and with the data directory below it every SQLite write would wake it.
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [.. args, "--hostBuilder:reloadConfigOnChange=false"] });
        builder.Configuration.AddCommandLine(args, SiloSettings.Switches.ToDictionary());
        QuietDefaults(builder);
        var settings = SiloSettings.From(builder.Configuration);

        // 2. Orleans: the cluster's Redis membership (or alone on this machine), the DocTable grains, the dashboard.
        builder.UseOrleans(silo => silo.UseDocTableSilo(settings));

        // 3. Web endpoints on --http (loopback, any free port by default): /health, the table API and
        //    /metrics, behind --http-token when given; the dashboard on --dashboard.
        builder.WebHost.UseUrls(settings.WebUrls());
        builder.Services.AddDocTableWeb(settings);
        var app = builder.Build();
        app.MapDocTableWeb(settings);

        // 4. Run until SIGTERM or Ctrl+C.
        await ((IHost)app).RunAsync(cancellationToken);
    }

    /// <summary>
    /// Warnings and errors from Orleans and ASP.NET by default (their information level prints every
    /// option and request); the host's own start and stop lines stay. Logging__LogLevel__… settings override.
    /// </summary>
    private static void QuietDefaults(WebApplicationBuilder builder)
    {
        foreach (var category in new[] { "Orleans", "Microsoft.AspNetCore", "Polly" })
            if (builder.Configuration[$"Logging:LogLevel:{category}"] is null)
                builder.Logging.AddFilter(category, Microsoft.Extensions.Logging.LogLevel.Warning);
        if (builder.Configuration["Logging:LogLevel:Orleans.Runtime.Watchdog"] is null)
            builder.Logging.AddFilter("Orleans.Runtime.Watchdog", Microsoft.Extensions.Logging.LogLevel.Error);
    }
}
