using DocTable.Orleans.Silo.Runtime;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DocTable.Orleans.Silo.Cluster;

/// <summary>
/// The hosted service that makes a process a cluster silo: it keeps a broker connection (reconnecting
/// with bounded backoff; automatic recovery is off) and runs a <see cref="SiloSession"/> over it that
/// feeds table queues into the local grain runtime. On stop it drains (takes nothing more, commits and
/// acks what it took, closes its channels) and then stops the grain runtime.
/// </summary>
public sealed class TableHost(GrainRuntime runtime, IOptions<ClusterSiloOptions> options, ILogger<TableHost> logger) : BackgroundService
{
    private readonly ClusterSiloOptions _options = options.Value;

    /// <summary>This silo's id.</summary>
    public string SiloId { get; } = options.Value.SiloId ?? $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";

    private Uri? _broker;

    /// <summary>Checks the settings before anything starts (a bad broker URI or missing credentials stop the host at once).</summary>
    public override Task StartAsync(CancellationToken cancellationToken)
    {
        _broker = BrokerAddress.Resolve(_options.Broker, _options.User, _options.Password);
        return base.StartAsync(cancellationToken);
    }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var broker = _broker ?? BrokerAddress.Resolve(_options.Broker, _options.User, _options.Password);
        var connector = new BrokerConnector(broker, "doctable-silo " + SiloId, logger, _options.MaxReconnectDelay);
        Directory.CreateDirectory(_options.Data);
        logger.LogInformation("Silo {Silo} starting: broker {Broker}, group {Group}, data {Data}",
            SiloId, connector.SafeAddress, _options.Group, Path.GetFullPath(_options.Data));
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await connector.ConnectAsync(stoppingToken).ConfigureAwait(false);
                logger.LogInformation("Silo {Silo} connected to {Broker}", SiloId, connector.SafeAddress);
                delay = TimeSpan.FromMilliseconds(200);
                await new SiloSession(connection, runtime, _options, SiloId, logger).RunAsync(stoppingToken).ConfigureAwait(false);
                if (!stoppingToken.IsCancellationRequested) logger.LogWarning("Silo {Silo} lost its broker connection; reconnecting", SiloId);
                if (connection.IsOpen) await connection.CloseAsync(200, "session ended", TimeSpan.FromSeconds(5), false, CancellationToken.None).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                logger.LogWarning("Silo {Silo}: session failed: {Error}", SiloId, e.Message);
            }
            if (stoppingToken.IsCancellationRequested) break;
            try { await Task.Delay(delay, stoppingToken).ConfigureAwait(false); } catch (OperationCanceledException) { break; }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxReconnectDelay.Ticks));
        }
    }

    /// <inheritdoc/>
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await runtime.StopAsync().ConfigureAwait(false);
        logger.LogInformation("Silo {Silo} stopped", SiloId);
    }
}
