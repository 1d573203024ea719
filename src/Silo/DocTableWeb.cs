using System.Security.Cryptography;
using System.Text;
using DocTable.Orleans.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
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
    /// bearer token (else 401). The Orleans Dashboard on the <c>--dashboard</c> endpoint only. Which
    /// endpoint a request came in on is decided by the local port of its connection, never by its
    /// Host header (which the client writes); whether it is an API request, by the route it matched.
    /// </summary>
    public static WebApplication MapDocTableWeb(this WebApplication app, SiloSettings settings)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(settings);
        var dashboardPort = settings.Dashboard is { } d ? SiloSettings.HostPort(d, "--dashboard") : (int?)null;
        // Routing first, so the gate below sees which endpoint a request matched (routing's own
        // matching — case, encoding, trailing slashes — not a second reading of the path).
        app.UseRouting();
        app.Use(SeparateEndpoints(dashboardPort, settings.HttpToken));
        app.MapGet("/health", (ILocalSiloDetails silo) => Results.Ok(new { status = "ok", silo = silo.SiloAddress.ToString(), name = silo.Name }))
            .WithMetadata(ApiEndpoint.Open);
        app.MapGroup("/tables").WithMetadata(ApiEndpoint.Guarded).MapTableApi(settings.HttpMaxBody);
        app.MapPrometheusScrapingEndpoint("/metrics").WithMetadata(ApiEndpoint.Guarded);
        if (dashboardPort is not null) app.MapOrleansDashboard();
        return app;
    }

    /// <summary>Marks an endpoint of the HTTP API; <paramref name="NeedsToken"/> false only for <c>/health</c>.</summary>
    private sealed record ApiEndpoint(bool NeedsToken)
    {
        public static readonly ApiEndpoint Open = new(false), Guarded = new(true);

        /// <summary>
        /// The API endpoint a request matched; for a request that matched none of ours (a method a
        /// route does not take gets routing's own 405 endpoint), the API's by its path, in any case.
        /// </summary>
        public static ApiEndpoint? Of(HttpContext context)
        {
            if (context.GetEndpoint()?.Metadata.GetMetadata<ApiEndpoint>() is { } matched) return matched;
            var path = context.Request.Path;
            if (path.Equals("/health", StringComparison.OrdinalIgnoreCase)) return Open;
            return path.Equals("/metrics", StringComparison.OrdinalIgnoreCase) || path.StartsWithSegments("/tables", StringComparison.OrdinalIgnoreCase)
                ? Guarded : null;
        }
    }

    /// <summary>
    /// Keeps the two endpoints apart by the connection's local port: the API answers only on the HTTP
    /// endpoint and the dashboard only on its own (404 elsewhere). On the HTTP endpoint, with a token,
    /// every request but <c>/health</c> needs <c>Authorization: Bearer TOKEN</c> (else 401).
    /// </summary>
    private static Func<HttpContext, RequestDelegate, Task> SeparateEndpoints(int? dashboardPort, string? token)
    {
        var expected = token is null ? null : Encoding.UTF8.GetBytes(token);
        return (context, next) =>
        {
            var onDashboard = dashboardPort is { } port && context.Connection.LocalPort == port;
            var api = ApiEndpoint.Of(context);
            if (onDashboard == api is not null)
                return HttpErrors.WriteAsync(context.Response, StatusCodes.Status404NotFound, "NotFound",
                    onDashboard ? "The dashboard's endpoint serves the dashboard only; the table API is on the silo's --http endpoint." : "No such route on this endpoint.");
            if (onDashboard || expected is null || !api!.NeedsToken) return next(context);
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
}
