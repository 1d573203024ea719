using System.Diagnostics;
using DocTable.Orleans.Bench.Measure;
using DocTable.Orleans.Client.Cli;

namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>
/// Shared shape of the embedded scenarios (S2, S3): a silo in this process with the given durability,
/// K producer tasks inserting until the budget ends, then the table is counted. Peak RSS is this
/// process's, i.e. the silo's and the producers' together.
/// </summary>
public abstract class EmbeddedScenario(int k, Durability durability) : Scenario(k, durability.ToString().ToUpperInvariant())
{
    /// <summary>Commit durability of the table grain.</summary>
    protected Durability StoreDurability { get; } = durability;

    /// <summary>
    /// One producer's loop: inserts rows while <paramref name="budget"/> allows, records latencies in
    /// <paramref name="latency"/>, and returns the rows it knows to be committed.
    /// </summary>
    protected abstract Task<long> ProduceAsync(Table<SimpleRow> table, int producer, RunBudget budget, LatencyHistogram latency, CancellationToken cancellationToken);

    /// <inheritdoc/>
    public override async Task<RunResult> RunAsync(RunContext context, CancellationToken cancellationToken)
    {
        PeakRss.Reset();
        await using var client = await DocTableClient.StartEmbeddedAsync(context.WorkDirectory, o => o.Store.Durability = StoreDurability, cancellationToken);
        var table = client.Table<SimpleRow>(BenchTable.Name);
        await table.OpenAsync(cancellationToken);

        var histograms = Enumerable.Range(0, K).Select(_ => new LatencyHistogram()).ToArray();
        var cost = ProcessCost.Start();
        var started = Stopwatch.GetTimestamp();
        var budget = context.StartBudget(K);
        var producers = Enumerable.Range(0, K)
            .Select(p => Task.Run(() => ProduceAsync(table, p, budget, histograms[p], cancellationToken), cancellationToken))
            .ToArray();
        long[] rows;
        try
        {
            rows = await Task.WhenAll(producers);
        }
        catch (Exception e)
        {
            return RunResult.Failed($"{this}: a producer failed: {e.GetType().Name}: {e.Message}");
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var total = rows.Sum();
        var cpu = cost.CpuMicrosPerRow(total);
        var allocated = cost.AllocatedBytesPerRow(total);

        var latency = new LatencyHistogram();
        foreach (var h in histograms) latency.Add(h);
        var counted = await table.CountAsync(cancellationToken: cancellationToken);
        return new RunResult(total, seconds, counted, latency.Compact(), PeakRss.ReadMb(), CpuUsPerRow: cpu, AllocBytesPerRow: allocated);
    }
}
