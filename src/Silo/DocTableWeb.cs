using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Orleans.Dashboard;

namespace DocTable.Orleans;

/// <summary>The silo's web endpoints.</summary>
public static class DocTableWeb
{
    /// <summary>
    /// <c>GET /health</c> on the HTTP endpoint (200 and the silo's address while the silo runs), and the
    /// Orleans Dashboard on the <c>--dashboard</c> endpoint.
    /// </summary>
    public static WebApplication MapDocTableWeb(this WebApplication app, SiloSettings settings)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(settings);
        var http = $"*:{SiloSettings.HostPort(settings.Http, "--http")}";
        app.MapGet("/health", (ILocalSiloDetails silo) => Results.Ok(new { status = "ok", silo = silo.SiloAddress.ToString(), name = silo.Name }))
            .RequireHostUnlessAny(http);
        if (settings.Dashboard is { } dashboard)
            app.MapOrleansDashboard().RequireHost($"*:{SiloSettings.HostPort(dashboard, "--dashboard")}");
        return app;
    }

    /// <summary>Restricts to <paramref name="host"/> unless its port is 0 (a free port, known only once bound).</summary>
    private static IEndpointConventionBuilder RequireHostUnlessAny(this IEndpointConventionBuilder endpoint, string host)
        => host.EndsWith(":0", StringComparison.Ordinal) ? endpoint : endpoint.RequireHost(host);
}
