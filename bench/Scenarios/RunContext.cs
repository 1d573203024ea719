using System.Diagnostics;

namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>What one run of a scenario may use: how long (or how many rows), and a fresh folder.</summary>
/// <param name="Duration">How long producers keep inserting.</param>
/// <param name="WorkDirectory">An empty folder for the run's database files.</param>
/// <param name="RowLimit">When set, producers insert this many rows in all (split evenly) instead of running for <paramref name="Duration"/>.</param>
public sealed record RunContext(TimeSpan Duration, string WorkDirectory, long? RowLimit = null)
{
    /// <summary>Starts the clock: the budget each producer checks before every row.</summary>
    public RunBudget StartBudget(int producers) => new(
        Stopwatch.GetTimestamp() + (long)(Duration.TotalSeconds * Stopwatch.Frequency),
        RowLimit is { } limit ? (limit + producers - 1) / producers : null);
}

/// <summary>A deadline, or a per-producer row quota when the run is sized in rows.</summary>
public readonly record struct RunBudget(long DeadlineTimestamp, long? RowsPerProducer)
{
    /// <summary>True while a producer that has inserted <paramref name="inserted"/> rows should insert another.</summary>
    public bool More(long inserted)
        => RowsPerProducer is { } quota ? inserted < quota : Stopwatch.GetTimestamp() < DeadlineTimestamp;
}
