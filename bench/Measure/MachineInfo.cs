using System.Runtime.InteropServices;

namespace DocTable.Orleans.Bench.Measure;

/// <summary>What machine a run was measured on.</summary>
public sealed record MachineInfo(int Cores, string Os, string Dotnet, string CpuModel)
{
    /// <summary>This machine.</summary>
    public static MachineInfo Current() => new(
        Environment.ProcessorCount,
        RuntimeInformation.OSDescription,
        RuntimeInformation.FrameworkDescription,
        ReadCpuModel());

    private static string ReadCpuModel()
    {
        const string path = "/proc/cpuinfo";
        if (!File.Exists(path)) return RuntimeInformation.ProcessArchitecture.ToString();
        var line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
        return line is null ? RuntimeInformation.ProcessArchitecture.ToString() : line[(line.IndexOf(':') + 1)..].Trim();
    }
}
