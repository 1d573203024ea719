namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>
/// One benchmark scenario at one concurrency: S0 (SQLite ceiling), S1 (DocTable's way), S2 (awaited
/// single rows), S3 (queue inserters), S4 (cluster), S5 (Python over HTTP). A new scenario is one more subclass, listed in
/// <see cref="ScenarioCatalog"/>.
/// </summary>
public abstract class Scenario
{
    /// <summary>Creates a scenario with <paramref name="k"/> producers and an optional durability label.</summary>
    protected Scenario(int k, string? durability)
    {
        if (k < 1) throw new ArgumentOutOfRangeException(nameof(k), k, "A scenario needs at least one producer.");
        K = k;
        Durability = durability;
    }

    /// <summary>"S0" … "S5".</summary>
    public abstract string Id { get; }

    /// <summary>Number of producers (threads, tasks or processes).</summary>
    public int K { get; }

    /// <summary>"FULL", "NORMAL", or what the scenario's storage does (e.g. "DELETE journal").</summary>
    public string? Durability { get; }

    /// <summary>One line saying what runs.</summary>
    public abstract string Description { get; }

    /// <summary>What p50/p99 measure, or null when the scenario has no awaited calls.</summary>
    public virtual string? LatencyOf => null;

    /// <summary>
    /// True when a short unmeasured run in the same process should come first, so the measured run sees
    /// jitted, tiered-up code as a long-running silo would (false where the work runs in child processes).
    /// </summary>
    public virtual bool WarmsUpInProcess => true;

    /// <summary>Why the scenario cannot run on this build or machine; null when it can.</summary>
    public virtual string? NotRunReason => null;

    /// <summary>Runs once: inserts until the budget ends, then counts the table.</summary>
    public abstract Task<RunResult> RunAsync(RunContext context, CancellationToken cancellationToken);

    /// <summary>A short label, e.g. "S2 K=5 FULL".</summary>
    public override string ToString() => $"{Id} K={K}{(Durability is null ? "" : " " + Durability)}";
}
