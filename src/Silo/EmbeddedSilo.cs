using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace DocTable.Orleans;

/// <summary>Settings of a silo that runs in the caller's process.</summary>
public sealed class EmbeddedSiloOptions
{
    /// <summary>Table files and durability.</summary>
    public DocTableOptions Store { get; } = new();

    /// <summary>Logging (warnings and errors to the console when null).</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }

    /// <summary>More silo configuration, e.g. an application's own grains or Orleans options.</summary>
    public Action<ISiloBuilder>? ConfigureSilo { get; set; }
}

/// <summary>
/// An Orleans silo in the caller's process over a data directory: localhost clustering on free ports
/// and a cluster id of its own, so several embedded silos — in one process or in several processes on
/// one machine — never meet. Started by <c>DocTableClient.StartEmbeddedAsync</c>.
/// </summary>
public sealed class EmbeddedSilo : IAsyncDisposable
{
    private const int PortAttempts = 5;
    private readonly IHost _host;

    private EmbeddedSilo(IHost host) => _host = host;

    /// <summary>The silo's grain factory.</summary>
    public IGrainFactory GrainFactory => _host.Services.GetRequiredService<IGrainFactory>();

    /// <summary>The silo's services.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>Starts a silo over <paramref name="options"/>; returns once it takes calls.</summary>
    public static async Task<EmbeddedSilo> StartAsync(EmbeddedSiloOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        for (var attempt = 1; ; attempt++)
        {
            var host = Build(options, FreePorts.Next());
            try
            {
                await host.StartAsync(cancellationToken).ConfigureAwait(false);
                return new EmbeddedSilo(host);
            }
            catch (Exception e) when (attempt < PortAttempts && IsPortTaken(e))
            {
                // Another process took a port between our probe and the bind: try others.
                host.Dispose();
            }
            catch
            {
                host.Dispose();
                throw;
            }
        }
    }

    private static IHost Build(EmbeddedSiloOptions options, int siloPort)
    {
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        if (options.ConfigureLogging is { } logging)
        {
            logging(builder.Logging);
        }
        else
        {
            // On standard error, so that a program's own output stays clean. The watchdog's warning
            // about a slow start and the silo's server-GC notice say nothing to a user of the store.
            builder.Logging.AddSimpleConsole(o => o.SingleLine = true)
                .AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error)
                .AddFilter("Orleans.Runtime.Silo", LogLevel.Error);
            builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        }
        var store = options.Store;
        builder.UseOrleans(silo =>
        {
            // No gateway (port 0): nothing outside this process calls an embedded silo.
            silo.UseLocalhostClustering(siloPort, gatewayPort: 0, serviceId: "doctable", clusterId: "doctable-embedded-" + Guid.NewGuid().ToString("N"));
            silo.AddDocTable(store.CopyTo);
            options.ConfigureSilo?.Invoke(silo);
        });
        return builder.Build();
    }


    private static bool IsPortTaken(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
            if (x is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }) return true;
        return e is AggregateException a && a.InnerExceptions.Any(IsPortTaken);
    }

    /// <summary>Graceful shutdown: queue inserters flush, tables commit, checkpoint and close.</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => _host.StopAsync(cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync().ConfigureAwait(false);
        }
        finally
        {
            _host.Dispose();
        }
    }
}
