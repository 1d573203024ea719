using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace DocTable.Orleans.Silo.Cluster;

/// <summary>
/// Opens broker connections with automatic recovery off (our own code reconnects, so a failure is
/// visible and handled in one place) and retries with bounded exponential backoff.
/// </summary>
public sealed class BrokerConnector(Uri broker, string clientName, ILogger logger, TimeSpan? maxBackoff = null)
{
    private readonly TimeSpan _maxBackoff = maxBackoff ?? TimeSpan.FromSeconds(5);

    /// <summary>The broker address without its password, for messages.</summary>
    public string SafeAddress => $"{broker.Scheme}://{broker.Host}:{broker.Port}{broker.AbsolutePath}";

    /// <summary>Connects once; throws what the client throws.</summary>
    public Task<IConnection> ConnectOnceAsync(CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            Uri = broker,
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            ClientProvidedName = clientName,
            RequestedHeartbeat = TimeSpan.FromSeconds(10),
        };
        return factory.CreateConnectionAsync(cancellationToken);
    }

    /// <summary>Connects, retrying with backoff (100 ms doubling up to the maximum) until it works or is cancelled.</summary>
    public async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var delay = TimeSpan.FromMilliseconds(100);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ConnectOnceAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Connecting to {Broker} failed (attempt {Attempt}): {Error}; retrying in {Delay} ms",
                    SafeAddress, attempt, e.Message, (int)delay.TotalMilliseconds);
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _maxBackoff.Ticks));
            }
        }
    }
}
