namespace DocTable.Orleans.Bench.Measure;

/// <summary>
/// A fixed-size latency histogram in microseconds (exact below 32 µs, then 16 buckets per power of
/// two, about 6 % resolution). Memory stays constant however many calls are recorded; one per
/// producer, merged at the end, so recording takes no lock.
/// </summary>
public sealed class LatencyHistogram
{
    private const int Linear = 32;
    private const int SubBuckets = 16;
    private const int Size = Linear + 40 * SubBuckets;

    /// <summary>Counts per bucket.</summary>
    public long[] Counts { get; }

    /// <summary>An empty histogram.</summary>
    public LatencyHistogram() => Counts = new long[Size];

    private LatencyHistogram(long[] counts) => Counts = counts;

    /// <summary>Rebuilds a histogram from <see cref="Counts"/> (as sent by a child process).</summary>
    public static LatencyHistogram FromCounts(long[]? counts)
    {
        var full = new long[Size];
        if (counts is not null) Array.Copy(counts, full, Math.Min(counts.Length, Size));
        return new LatencyHistogram(full);
    }

    /// <summary>Number of recorded calls.</summary>
    public long Total => Counts.Sum();

    /// <summary>Records one call that took <paramref name="stopwatchTicks"/> Stopwatch ticks.</summary>
    public void Record(long stopwatchTicks)
    {
        var micros = stopwatchTicks * 1_000_000 / System.Diagnostics.Stopwatch.Frequency;
        Counts[Index(micros)]++;
    }

    /// <summary>Adds <paramref name="other"/>'s counts to this one.</summary>
    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < Size; i++) Counts[i] += other.Counts[i];
    }

    /// <summary>The latency in milliseconds below which <paramref name="quantile"/> of the calls fall; null when empty.</summary>
    public double? QuantileMs(double quantile)
    {
        var total = Total;
        if (total == 0) return null;
        var rank = (long)Math.Ceiling(quantile * total);
        long seen = 0;
        for (var i = 0; i < Size; i++)
        {
            seen += Counts[i];
            if (seen >= rank) return Middle(i) / 1000.0;
        }
        return Middle(Size - 1) / 1000.0;
    }

    /// <summary>The counts without trailing empty buckets (compact for the wire).</summary>
    public long[] Compact()
    {
        var last = Array.FindLastIndex(Counts, c => c != 0);
        return Counts[..(last + 1)];
    }

    private static int Index(long micros)
    {
        if (micros < Linear) return (int)Math.Max(0, micros);
        var exponent = 63 - (int)long.LeadingZeroCount(micros);
        var sub = (int)(micros >> (exponent - 4)) & (SubBuckets - 1);
        return Math.Min(Size - 1, Linear + (exponent - 5) * SubBuckets + sub);
    }

    private static double Middle(int index)
    {
        if (index < Linear) return index;
        var exponent = (index - Linear) / SubBuckets + 5;
        var sub = (index - Linear) % SubBuckets;
        var low = (double)((SubBuckets + sub) << (exponent - 4));
        return low + (1L << (exponent - 4)) / 2.0;
    }
}
