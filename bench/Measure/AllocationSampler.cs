using System.Collections.Concurrent;
using System.Diagnostics.Tracing;

namespace DocTable.Orleans.Bench.Measure;

/// <summary>
/// Samples managed allocations by type through the runtime's <c>GCAllocationTick</c> events (one
/// event per ~100 KB allocated, naming the type that crossed the mark), so the types that dominate
/// the allocation volume show up in proportion. Used by <c>--alloc-types</c>.
/// </summary>
public sealed class AllocationSampler : EventListener
{
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new();

    /// <inheritdoc/>
    protected override void OnEventSourceCreated(EventSource source)
    {
        if (source.Name == "Microsoft-Windows-DotNETRuntime") EnableEvents(source, EventLevel.Verbose, GcKeyword);
    }

    /// <inheritdoc/>
    protected override void OnEventWritten(EventWrittenEventArgs e)
    {
        if (!e.EventName?.StartsWith("GCAllocationTick", StringComparison.Ordinal) ?? true || e.Payload is null) return;
        var index = e.PayloadNames?.IndexOf("TypeName") ?? -1;
        var amountIndex = e.PayloadNames?.IndexOf("AllocationAmount64") ?? -1;
        if (index < 0 || amountIndex < 0) return;
        var type = e.Payload![index] as string ?? "?";
        var amount = Convert.ToInt64(e.Payload[amountIndex], System.Globalization.CultureInfo.InvariantCulture);
        _bytes.AddOrUpdate(type, amount, (_, b) => b + amount);
    }

    /// <summary>The types with the most sampled bytes, as "bytes/row  type" lines.</summary>
    public IEnumerable<string> Top(int count, long rows)
        => _bytes.OrderByDescending(p => p.Value).Take(count)
            .Select(p => $"{(rows > 0 ? (double)p.Value / rows : 0),8:0.0} B/row  {p.Key}");
}
