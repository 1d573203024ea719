using System.Globalization;

namespace DocTable.Orleans.Bench.Measure;

/// <summary>
/// Peak RSS and CPU time of another process (a silo, a producer) read from <c>/proc/PID</c> (Linux);
/// zero where <c>/proc</c> is not available or the process is gone.
/// </summary>
public static class ProcessStats
{
    /// <summary>Peak RSS (<c>VmHWM</c>) of process <paramref name="pid"/> in MB.</summary>
    public static double PeakRssMb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (!line.StartsWith("VmHWM:", StringComparison.Ordinal)) continue;
                var kb = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                return Math.Round(kb / 1024.0, 1);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        return 0;
    }

    /// <summary>User plus system CPU time of process <paramref name="pid"/> (and its reaped children), in seconds.</summary>
    public static double CpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after the command name (which may hold spaces) start after the last ')'.
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // utime, stime, cutime, cstime are fields 14–17 of stat; here 11–14 (state is index 0).
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)
                        + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
            return ticks / 100.0; // USER_HZ is 100 on Linux
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }
}
