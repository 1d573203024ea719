using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace DocTable.Orleans.Silo.Cluster;

/// <summary>
/// Sends replies to direct reply-to addresses on one channel of their own (no confirms: a reply that
/// is lost shows up as a timeout at the caller). A reply whose caller has gone is dropped.
/// </summary>
internal sealed class ReplySender(IChannel channel, ILogger logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Publishes <paramref name="body"/> to <paramref name="replyTo"/>; failures are logged, not thrown.</summary>
    public async Task SendAsync(string replyTo, string? correlationId, byte[] body)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            var properties = new BasicProperties { CorrelationId = correlationId };
            await channel.BasicPublishAsync("", replyTo, false, properties, body).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            logger.LogWarning("Reply to {ReplyTo} failed: {Error}", replyTo, e.Message);
        }
        finally
        {
            _gate.Release();
        }
    }
}
