using System.Diagnostics;

namespace DocTable.Orleans.Bench.Measure;

/// <summary>
/// CPU time and managed allocations of this process over a stretch of work, per row. CPU time per row
/// is less disturbed than wall time when other programs share the machine.
/// </summary>
public readonly struct ProcessCost
{
    private readonly TimeSpan _cpu;
    private readonly long _allocated;

    private ProcessCost(TimeSpan cpu, long allocated)
    {
        _cpu = cpu;
        _allocated = allocated;
    }

    /// <summary>Starts measuring.</summary>
    public static ProcessCost Start() => new(Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: false));

    /// <summary>CPU microseconds of this process per row since <see cref="Start"/>.</summary>
    public double CpuMicrosPerRow(long rows)
        => rows > 0 ? Math.Round((Process.GetCurrentProcess().TotalProcessorTime - _cpu).TotalMicroseconds / rows, 2) : 0;

    /// <summary>Managed bytes allocated per row since <see cref="Start"/> (all threads).</summary>
    public double AllocatedBytesPerRow(long rows)
        => rows > 0 ? Math.Round((double)(GC.GetTotalAllocatedBytes(precise: false) - _allocated) / rows, 1) : 0;
}
