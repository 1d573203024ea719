namespace DocTable.Orleans.Client.Cluster;

/// <summary>
/// A message the client published and has not settled yet: kept (with its body) until the broker
/// confirms it (one-way) or a silo answers it (request), so it can be republished, in the original
/// order, after a reconnect.
/// </summary>
internal sealed class Outgoing(string routingKey, byte[] body, bool stampSequence, bool expectsReply, TimeSpan? expiration)
{
    public string RoutingKey { get; } = routingKey;

    public byte[] Body { get; } = body;

    /// <summary>The connection stamps its next producer sequence number into the body when it publishes.</summary>
    public bool StampSequence { get; } = stampSequence;

    public string? CorrelationId { get; } = expectsReply ? Guid.NewGuid().ToString("N") : null;

    public string? Expiration { get; } = expiration is { } e ? ((long)Math.Ceiling(e.TotalMilliseconds)).ToString(System.Globalization.CultureInfo.InvariantCulture) : null;

    /// <summary>Completes when the broker confirmed the message (it is durable in its queue).</summary>
    public TaskCompletionSource Confirmed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The answer, for requests.</summary>
    public TaskCompletionSource<byte[]>? Reply { get; } = expectsReply ? new(TaskCreationOptions.RunContinuationsAsynchronously) : null;

    /// <summary>Position in the connection's list of unsettled messages.</summary>
    public LinkedListNode<Outgoing>? Node { get; set; }

    public bool Sequenced { get; set; }
}
