using System.Diagnostics;
using DocTable.Orleans.Bench.Measure;
using DocTable.Orleans.Client.Cli;

namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>
/// S2, embedded, awaited single rows: K producers each await <see cref="Table{T}.InsertAsync"/> per row,
/// i.e. until the row is committed; concurrent rows share commits (group commit).
/// </summary>
public sealed class AwaitedInsertScenario(int k, Durability durability) : EmbeddedScenario(k, durability)
{
    /// <inheritdoc/>
    public override string Id => "S2";

    /// <inheritdoc/>
    public override string Description => "embedded: K producers, each awaiting table.InsertAsync per row (until committed)";

    /// <inheritdoc/>
    public override string? LatencyOf => "per InsertAsync";

    /// <inheritdoc/>
    protected override async Task<long> ProduceAsync(Table<SimpleRow> table, int producer, RunBudget budget, LatencyHistogram latency, CancellationToken cancellationToken)
    {
        var process = BenchTable.ProcessName(producer);
        long rows = 0;
        while (budget.More(rows))
        {
            var t0 = Stopwatch.GetTimestamp();
            await table.InsertAsync(new SimpleRow { Process = process, Number = (int)rows }, cancellationToken);
            latency.Record(Stopwatch.GetTimestamp() - t0);
            rows++;
        }
        return rows;
    }
}
