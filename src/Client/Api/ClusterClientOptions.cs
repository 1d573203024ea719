using Microsoft.Extensions.Logging;

namespace DocTable.Orleans;

/// <summary>Settings of a cluster client (<see cref="DocTableClient.ConnectAsync"/>).</summary>
public sealed class ClusterClientOptions
{
    /// <summary>
    /// How long a call waits for a silo's answer (and a connect for the broker) before it fails with
    /// <see cref="GrainCallTimeoutException"/>. Requests also expire in their queue after this long.
    /// </summary>
    public TimeSpan CallTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Messages published but not yet confirmed (or answered) at once; further writers wait (back-pressure).</summary>
    public int MaxInFlight { get; set; } = 128;

    /// <summary>Longest wait between reconnection attempts after the broker connection drops.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Broker user; overrides the URI's user when set.</summary>
    public string? User { get; set; }

    /// <summary>Broker password; overrides the URI's password when set.</summary>
    public string? Password { get; set; }

    /// <summary>Where verbose queue inserters print; standard output when null.</summary>
    public TextWriter? VerboseOutput { get; set; }

    /// <summary>Logging; none when null.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }
}
