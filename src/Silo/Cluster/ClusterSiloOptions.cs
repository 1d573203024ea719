namespace DocTable.Orleans.Silo.Cluster;

/// <summary>
/// Settings of a cluster silo, bound from the configuration section <c>DocTable</c> (so also from
/// environment variables such as <c>DOCTABLE__BROKER</c>, <c>DOCTABLE__PASSWORD</c>).
/// </summary>
public sealed class ClusterSiloOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "DocTable";

    /// <summary>Broker URI, e.g. <c>amqp://user:pass@host:5672/vhost</c>.</summary>
    public string Broker { get; set; } = "";

    /// <summary>Broker user name; overrides the URI's user when set.</summary>
    public string? User { get; set; }

    /// <summary>Broker password; overrides the URI's password when set.</summary>
    public string? Password { get; set; }

    /// <summary>Data directory holding this failover group's table files.</summary>
    public string Data { get; set; } = "data";

    /// <summary>
    /// Failover group: silos that see the same data directory (same host, or shared storage with
    /// correct SQLite locking). A table lives in exactly one group.
    /// </summary>
    public string Group { get; set; } = "default";

    /// <summary>This silo's id (unique per process by default).</summary>
    public string? SiloId { get; set; }

    /// <summary>Unacknowledged messages one table's consumer may hold (bounds memory; below the grain mailbox size).</summary>
    public ushort Prefetch { get; set; } = 64;

    /// <summary>
    /// How long a silo waits before subscribing as a standby to a table that another silo of its group
    /// ranks first for (and before taking a table back after handing it over).
    /// </summary>
    public TimeSpan StandbyDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Longest wait between reconnection attempts.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(5);
}
