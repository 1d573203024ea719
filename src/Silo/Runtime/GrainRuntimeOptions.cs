namespace DocTable.Orleans.Silo.Runtime;

/// <summary>Limits and timings of the in-process grain runtime.</summary>
public sealed class GrainRuntimeOptions
{
    /// <summary>Calls that may wait in one activation's mailbox; further callers wait (back-pressure).</summary>
    public int MailboxCapacity { get; set; } = 1024;

    /// <summary>An activation with no call for this long is deactivated.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often idle activations are looked for.</summary>
    public TimeSpan CollectionInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// References for grain interfaces with no class in this runtime: given the interface and key,
    /// returns an object implementing the interface (for example a remote table in a cluster client),
    /// or null. Grain code calls <c>GetGrain</c> as usual and does not know the difference.
    /// </summary>
    public Func<Type, string, object?>? RemoteReferences { get; set; }
}
