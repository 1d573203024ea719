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
}
