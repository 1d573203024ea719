namespace DocTable.Orleans.Bench.Measure;

/// <summary>
/// The process's peak resident set size, from <c>VmHWM</c> in <c>/proc/self/status</c> (Linux).
/// Elsewhere the current working set is the best available stand-in.
/// </summary>
public static class PeakRss
{
    /// <summary>Peak RSS of this process in MB.</summary>
    public static double ReadMb()
    {
        const string path = "/proc/self/status";
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                var kb = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                return Math.Round(kb / 1024.0, 1);
            }
        }
        return Math.Round(Environment.WorkingSet / (1024.0 * 1024.0), 1);
    }

    /// <summary>
    /// Resets the peak to the current RSS (Linux <c>clear_refs</c> value 5), so a run inside a
    /// longer-lived process reports its own peak. Does nothing where that is not possible.
    /// </summary>
    public static void Reset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or not allowed: the peak then covers the whole process.
        }
    }
}
