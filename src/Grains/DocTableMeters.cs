namespace DocTable.Orleans;

/// <summary>
/// The <see cref="System.Diagnostics.Metrics.Meter"/> DocTable's tables report on. A silo process exports
/// it on <c>/metrics</c>; a silo of your own exports it with OpenTelemetry's <c>AddMeter(DocTableMeters.Name)</c>.
/// </summary>
public static class DocTableMeters
{
    /// <summary>The meter's name: <c>DocTable.Orleans</c>.</summary>
    public const string Name = "DocTable.Orleans";
}
