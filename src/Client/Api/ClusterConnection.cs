using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Runtime.Messaging;
using StackExchange.Redis;

namespace DocTable.Orleans;

/// <summary>An Orleans client of a DocTable cluster, in a host of its own.</summary>
internal sealed class ClusterConnection : IAsyncDisposable
{
    /// <summary>How long connecting may take before it fails with a message that says what to start.</summary>
    private static readonly TimeSpan ConnectDeadline = TimeSpan.FromSeconds(8);

    private readonly IHost _host;

    private ClusterConnection(IHost host) => _host = host;

    /// <summary>The client's grain factory.</summary>
    public IGrainFactory GrainFactory => _host.Services.GetRequiredService<IClusterClient>();

    /// <summary>Connects; throws <see cref="ClusterUnavailableException"/> naming the address when it cannot.</summary>
    public static async Task<ClusterConnection> ConnectAsync(ClusterAddress address, TimeSpan callTimeout, CancellationToken cancellationToken)
    {
        await RequireRedisAsync(address).ConfigureAwait(false);
        var clock = Stopwatch.StartNew();
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Error);
        builder.UseOrleansClient(client =>
        {
            client.UseRedisClustering(o =>
            {
                o.ConfigurationOptions = address.RedisOptions(TimeSpan.FromSeconds(3));
                o.ConfigurationOptions.ConnectRetry = 1;
            });
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = address.ClusterId;
                o.ServiceId = ClusterAddress.DefaultClusterId;
            });
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = callTimeout);
            // Orleans retries a missing gateway for about three minutes by default; give up sooner, with a reason.
            client.UseConnectionRetryFilter(async (error, ct) =>
            {
                if (clock.Elapsed > ConnectDeadline || error is not (SiloUnavailableException or ConnectionFailedException or OrleansMessageRejectionException)) return false;
                await Task.Delay(500, ct);
                return true;
            });
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken).ConfigureAwait(false);
            return new ClusterConnection(host);
        }
        catch (Exception e) when (e is RedisException or SiloUnavailableException or ConnectionFailedException or OrleansMessageRejectionException)
        {
            host.Dispose();
            throw e is RedisException
                ? Unreachable(address, e)
                : new ClusterUnavailableException($"No silo of cluster '{address.ClusterId}' is running at {address} (Redis answers, but no silo gateway does). Start one: doctable silo --cluster {address} --data DIR.");
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Fails fast, and plainly, when the cluster's Redis does not answer (Orleans would wait longer and say less).</summary>
    private static async Task RequireRedisAsync(ClusterAddress address)
    {
        var options = address.RedisOptions(TimeSpan.FromSeconds(3));
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 1;
        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(options).ConfigureAwait(false);
            await redis.GetDatabase().PingAsync().ConfigureAwait(false);
        }
        catch (RedisException e)
        {
            throw Unreachable(address, e);
        }
    }

    private static ClusterUnavailableException Unreachable(ClusterAddress address, Exception e)
        => new($"The cluster's Redis at {address} does not answer ({e.GetType().Name}). Start it (e.g. redis-server --port {address.Port}), or fix the address or its password.");

    /// <summary>Closes the connection to the cluster.</summary>
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
