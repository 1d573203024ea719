namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>
/// S4, cluster: K producer OS processes → RabbitMQ → one silo, chunk 1000. Cluster mode is not in this
/// build yet, so the scenario reports itself as not run; when it lands, this class gets a real
/// <see cref="RunAsync"/> and <see cref="NotRunReason"/> returns null.
/// </summary>
public sealed class ClusterScenario(int k) : Scenario(k, "FULL")
{
    /// <inheritdoc/>
    public override string Id => "S4";

    /// <inheritdoc/>
    public override string Description => "cluster: K producer processes → RabbitMQ → 1 silo, chunk 1000";

    /// <inheritdoc/>
    public override string? NotRunReason => "cluster mode not available";

    /// <inheritdoc/>
    public override Task<RunResult> RunAsync(RunContext context, CancellationToken cancellationToken)
        => throw new NotSupportedException($"{this} cannot run: {NotRunReason}.");
}
