namespace DocTable.Orleans.Client.Cli;

/// <summary>The row of DocTable's "Concurrent Database Connections" notebook.</summary>
public sealed class SimpleRow
{
    /// <summary>Row id, set by the table.</summary>
    [IdColumn] public long Id { get; set; }

    /// <summary>When the row was inserted or last updated, set by the table.</summary>
    [UpdatedColumn] public DateTime Updated { get; set; }

    /// <summary>Two-letter name of the producer that inserted the row (null for the queue-inserter part).</summary>
    public string? Process { get; set; }

    /// <summary>The number inserted.</summary>
    public int Number { get; set; }
}
