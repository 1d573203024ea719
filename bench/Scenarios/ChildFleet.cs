using System.Text.Json;
using DocTable.Orleans.Bench.Measure;
using DocTable.Orleans.Bench.Report;
using DocTable.Orleans.Bench.Runner;

namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>
/// The K producer processes of a multi-process scenario (S1, S4): started with their own arguments,
/// each says <see cref="DocTableWayChild.Ready"/>, all start together on <see cref="DocTableWayChild.Go"/>,
/// and each ends with a <see cref="ChildReport"/>. Disposing waits for (or kills) every child.
/// </summary>
public sealed class ChildFleet : IAsyncDisposable
{
    private readonly List<ChildProcess> _children = [];

    /// <summary>Starts <paramref name="k"/> children; <paramref name="argsOf"/> gives child i its arguments.</summary>
    public static ChildFleet Start(int k, Func<int, List<string>> argsOf)
    {
        var fleet = new ChildFleet();
        for (var i = 0; i < k; i++) fleet._children.Add(ChildProcess.Start(argsOf(i)));
        return fleet;
    }

    /// <summary>Waits until every child is ready.</summary>
    public async Task ReadyAsync(CancellationToken cancellationToken)
    {
        foreach (var child in _children) await child.ExpectLineAsync(DocTableWayChild.Ready, cancellationToken);
    }

    /// <summary>Starts every child, then collects their reports.</summary>
    public async Task<IReadOnlyList<ChildReport>> GoAndCollectAsync(string scenario, CancellationToken cancellationToken)
    {
        foreach (var child in _children) await child.SendLineAsync(DocTableWayChild.Go);
        var reports = new List<ChildReport>(_children.Count);
        foreach (var child in _children)
        {
            var line = await child.ReadResultAsync(cancellationToken);
            reports.Add(JsonSerializer.Deserialize(line, BenchJsonContext.Default.ChildReport)
                        ?? throw new InvalidDataException($"An {scenario} child sent an empty report."));
        }
        return reports;
    }

    /// <summary>The children's latency histograms merged.</summary>
    public static long[] MergedLatency(IEnumerable<ChildReport> reports)
    {
        var latency = new LatencyHistogram();
        foreach (var r in reports) latency.Add(LatencyHistogram.FromCounts(r.LatencyCounts));
        return latency.Compact();
    }

    /// <summary>CPU microseconds per row of <paramref name="cpuSeconds"/> over <paramref name="rows"/>.</summary>
    public static double PerRow(double cpuSeconds, long rows) => rows > 0 ? Math.Round(cpuSeconds * 1e6 / rows, 2) : 0;

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        foreach (var child in _children) await child.DisposeAsync();
    }
}
