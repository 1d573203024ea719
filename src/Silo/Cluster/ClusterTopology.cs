using RabbitMQ.Client;

namespace DocTable.Orleans.Silo.Cluster;

/// <summary>
/// Names and declarations of everything DocTable.Orleans keeps on the broker. Every declare here is
/// idempotent (same arguments every time), so silos and clients both declare what they use.
/// </summary>
public static class ClusterTopology
{
    /// <summary>Stream (replayable log) of registry records: silos announcing themselves, tables and their failover group.</summary>
    public const string Registry = "doctable.registry";

    /// <summary>Quorum queue of placement/lookup requests, consumed by every silo (competing consumers).</summary>
    public const string Placement = "doctable.placement";

    /// <summary>Fanout exchange that table queues dead-letter into.</summary>
    public const string DeadLetterExchange = "doctable.dead-letter";

    /// <summary>Quorum queue holding dead-lettered messages (malformed or rejected), for inspection.</summary>
    public const string DeadLetterQueue = "doctable.dead-letter";

    /// <summary>Header a silo sets on a dead-lettered message: why it was rejected.</summary>
    public const string ReasonHeader = "x-doctable-reason";

    /// <summary>Direct reply-to pseudo queue.</summary>
    public const string ReplyTo = "amq.rabbitmq.reply-to";

    /// <summary>The mailbox queue of table <paramref name="table"/>.</summary>
    public static string TableQueue(string table) => "doctable.table." + table;

    /// <summary>Declares the registry stream, the placement queue and the dead-letter exchange and queue.</summary>
    public static async Task DeclareSharedAsync(IChannel channel, CancellationToken cancellationToken)
    {
        await channel.QueueDeclareAsync(Registry, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "stream" }, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(Placement, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.ExchangeDeclareAsync(DeadLetterExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(DeadLetterQueue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueBindAsync(DeadLetterQueue, DeadLetterExchange, "", cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Declares a table's mailbox: a durable quorum queue with a single active consumer (the broker
    /// picks the table's one owner) that dead-letters rejected messages.
    /// </summary>
    public static Task DeclareTableAsync(IChannel channel, string table, CancellationToken cancellationToken)
        => channel.QueueDeclareAsync(TableQueue(table), durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?>
            {
                ["x-queue-type"] = "quorum",
                ["x-single-active-consumer"] = true,
                ["x-dead-letter-exchange"] = DeadLetterExchange,
            }, cancellationToken: cancellationToken);
}
