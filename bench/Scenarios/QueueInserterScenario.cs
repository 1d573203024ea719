using System.Diagnostics;
using DocTable.Orleans.Bench.Measure;
using DocTable.Orleans.Client.Cli;

namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>
/// S3, embedded, queue inserters: K producers, each with its own queue inserter (chunk 1000), awaiting
/// <see cref="QueueInserter{T}.InsertAsync"/> per row; every 1000th call carries the chunk's flush and
/// commit. Latency is measured on those flushing calls; the final flush is inside the timing.
/// </summary>
public sealed class QueueInserterScenario(int k, Durability durability = Durability.Full, int chunkSize = 1000) : EmbeddedScenario(k, durability)
{
    /// <inheritdoc/>
    public override string Id => "S3";

    /// <inheritdoc/>
    public override string Description => $"embedded: K producers, each through its own queue inserter (chunk {chunkSize})";

    /// <inheritdoc/>
    public override string? LatencyOf => "per flushing InsertAsync (chunk write + commit)";

    /// <inheritdoc/>
    protected override async Task<long> ProduceAsync(Table<SimpleRow> table, int producer, RunBudget budget, LatencyHistogram latency, CancellationToken cancellationToken)
    {
        var process = BenchTable.ProcessName(producer);
        long rows = 0;
        await using var inserter = table.GetQueueInserter(chunkSize);
        while (budget.More(rows))
        {
            var t0 = Stopwatch.GetTimestamp();
            await inserter.InsertAsync(new SimpleRow { Process = process, Number = (int)rows }, cancellationToken);
            rows++;
            if (rows % chunkSize == 0) latency.Record(Stopwatch.GetTimestamp() - t0);
        }
        await inserter.FlushAsync(cancellationToken);
        return rows;
    }
}
