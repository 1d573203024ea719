
namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>The scenario lists of the full and quick runs, and scenario lookup by id for child runs.</summary>
public static class ScenarioCatalog
{
    /// <summary>Every scenario of the full table, S0 first (the others are reported as ratios to it).</summary>
    public static IReadOnlyList<Scenario> Full() =>
    [
        new CeilingScenario(), new CeilingScenario(native: false),
        new DocTableWayScenario(1), new DocTableWayScenario(5),
        new AwaitedInsertScenario(1, Durability.Full), new AwaitedInsertScenario(5, Durability.Full), new AwaitedInsertScenario(64, Durability.Full),
        new AwaitedInsertScenario(1, Durability.Normal), new AwaitedInsertScenario(5, Durability.Normal), new AwaitedInsertScenario(64, Durability.Normal),
        new QueueInserterScenario(1), new QueueInserterScenario(5), new QueueInserterScenario(64),
        new ClusterScenario(1), new ClusterScenario(5),
        new HttpScenario(1), new HttpScenario(5),
    ];

    /// <summary>The quick run: S0, S1 K=5, S2 K=5 (FULL), S3 K=5.</summary>
    public static IReadOnlyList<Scenario> Quick() =>
    [
        new CeilingScenario(),
        new DocTableWayScenario(5),
        new AwaitedInsertScenario(5, Durability.Full),
        new QueueInserterScenario(5),
    ];

    /// <summary>The soak: S3 K=5, sized in rows.</summary>
    public static Scenario Soak() => new QueueInserterScenario(5);

    /// <summary>The scenario with this id, K and durability label (as <see cref="Scenario.ToString"/> prints them).</summary>
    public static Scenario Create(string id, int k, string? durability)
    {
        var d = string.Equals(durability, "NORMAL", StringComparison.OrdinalIgnoreCase) ? Durability.Normal : Durability.Full;
        return id.ToUpperInvariant() switch
        {
            "S0" => new CeilingScenario(),
            "S0A" => new CeilingScenario(native: false),
            "S1" => new DocTableWayScenario(k),
            "S2" => new AwaitedInsertScenario(k, d),
            "S3" => new QueueInserterScenario(k, d),
            "S4" => new ClusterScenario(k),
            "S5" => new HttpScenario(k),
            _ => throw new ArgumentException($"Unknown scenario '{id}'; use S0, S0a, S1, S2, S3, S4 or S5."),
        };
    }
}
