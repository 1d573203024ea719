using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace DocTable.Orleans.Grains.Storage;

/// <summary>
/// The instruments of one table's writer on the <see cref="DocTableMeters.Name"/> meter, each tagged
/// with <c>table</c>: rows inserted and commits (counters), the time of each commit (histogram) and
/// the rows admitted but not yet committed (a gauge read when a collector asks). Recorded once per
/// commit, never per row.
/// </summary>
internal sealed class TableMetrics : IDisposable
{
    private static readonly Meter Meter = new(DocTableMeters.Name);
    private static readonly Counter<long> RowsInserted = Meter.CreateCounter<long>("doctable.rows.inserted", "{row}", "Rows inserted and committed");
    private static readonly Counter<long> Commits = Meter.CreateCounter<long>("doctable.commits", "{commit}", "Transactions committed");
    private static readonly Histogram<double> CommitDuration = Meter.CreateHistogram("doctable.commit.duration", "s", "Time of one COMMIT, the disk sync included",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5] });
    private static readonly ConcurrentDictionary<TableMetrics, Func<long>> Live = new();
    private readonly KeyValuePair<string, object?> _table;

    static TableMetrics()
    {
        Meter.CreateObservableGauge("doctable.pending.rows",
            () => Live.Select(t => new Measurement<long>(t.Value(), t.Key._table)),
            "{row}", "Rows taken in by a table and not yet committed");
    }

    /// <summary>Starts reporting for <paramref name="table"/>; <paramref name="pendingRows"/> is read by the gauge.</summary>
    public TableMetrics(string table, Func<long> pendingRows)
    {
        _table = new("table", table);
        Live[this] = pendingRows;
    }

    /// <summary>Records a commit that began at <paramref name="startTimestamp"/> and made <paramref name="rows"/> inserted rows durable.</summary>
    public void Committed(long startTimestamp, long rows)
    {
        CommitDuration.Record(Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds, _table);
        Commits.Add(1, _table);
        if (rows > 0) RowsInserted.Add(rows, _table);
    }

    /// <summary>Stops reporting the table's pending rows (its writer has closed).</summary>
    public void Dispose() => Live.TryRemove(this, out _);
}
