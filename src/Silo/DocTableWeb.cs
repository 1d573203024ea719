using System.Security.Cryptography;
using System.Text;
using DocTable.Orleans.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using Orleans.Dashboard;

namespace DocTable.Orleans;

/// <summary>The silo's web endpoints.</summary>
public static class DocTableWeb
{
    /// <summary>
    /// The services of the web endpoints: the table schemas the HTTP API has seen, the request body
    /// bound (<see cref="SiloSettings.HttpMaxBody"/>), and OpenTelemetry metrics — the
    /// <see cref="DocTableMeters.Name"/> meter — for the Prometheus endpoint.
    /// </summary>
    public static IServiceCollection AddDocTableWeb(this IServiceCollection services, SiloSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        services.AddSingleton<TableSchemas>();
        services.Configure<KestrelServerOptions>(o => o.Limits.MaxRequestBodySize = settings.HttpMaxBody);
        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("doctable-silo"))
            .WithMetrics(metrics => metrics.AddMeter(DocTableMeters.Name).AddPrometheusExporter());
        return services;
    }

    /// <summary>
    /// On the HTTP endpoint: <c>GET /health</c> (200 and the silo's address while the silo runs), the
    /// table API under <c>/tables</c> (docs/HTTP.md) and <c>GET /metrics</c> in Prometheus text format;
    /// with <see cref="SiloSettings.HttpToken"/>, every request but <c>/health</c> must carry it as a
    /// bearer token (else 401). The Orleans Dashboard on the <c>--dashboard</c> endpoint.
    /// </summary>
    public static WebApplication MapDocTableWeb(this WebApplication app, SiloSettings settings)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(settings);
        var http = $"*:{SiloSettings.HostPort(settings.Http, "--http")}";
        var dashboardPort = settings.Dashboard is { } d ? SiloSettings.HostPort(d, "--dashboard") : (int?)null;
        if (settings.HttpToken is { } token) app.Use(RequireToken(token, dashboardPort));
        app.MapGet("/health", (ILocalSiloDetails silo) => Results.Ok(new { status = "ok", silo = silo.SiloAddress.ToString(), name = silo.Name }))
            .RequireHostUnlessAny(http);
        app.MapGroup("/tables").MapTableApi(settings.HttpMaxBody).RequireHostUnlessAny(http);
        app.MapPrometheusScrapingEndpoint("/metrics").RequireHostUnlessAny(http);
        if (dashboardPort is { } port)
            app.MapOrleansDashboard().RequireHost($"*:{port}");
        return app;
    }

    /// <summary>Answers 401 to a request without <c>Authorization: Bearer <paramref name="token"/></c>, except <c>/health</c> and the dashboard's.</summary>
    private static Func<HttpContext, RequestDelegate, Task> RequireToken(string token, int? dashboardPort)
    {
        var expected = Encoding.UTF8.GetBytes(token);
        return (context, next) =>
        {
            if (context.Request.Path.Equals("/health", StringComparison.Ordinal)
                || (dashboardPort is { } port && port != 0 && context.Connection.LocalPort == port))
                return next(context);
            var header = context.Request.Headers.Authorization.ToString();
            if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[7..].Trim()), expected))
                return next(context);
            context.Response.Headers.WWWAuthenticate = "Bearer";
            return HttpErrors.WriteAsync(context.Response, StatusCodes.Status401Unauthorized, "Unauthorized",
                header.Length == 0
                    ? "This silo takes requests with its bearer token only: send Authorization: Bearer TOKEN (the silo's --http-token)."
                    : "The bearer token is not this silo's (--http-token); nothing was done.");
        };
    }

    /// <summary>Restricts to <paramref name="host"/> unless its port is 0 (a free port, known only once bound).</summary>
    private static TBuilder RequireHostUnlessAny<TBuilder>(this TBuilder endpoint, string host) where TBuilder : IEndpointConventionBuilder
        => host.EndsWith(":0", StringComparison.Ordinal) ? endpoint : endpoint.RequireHost(host);
}
