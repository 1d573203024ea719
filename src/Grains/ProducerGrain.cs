namespace DocTable.Orleans.Grains;

/// <summary>
/// A producer, one of the k workers of <c>Distribute(k)</c>: runs its piece of work as a turn of its
/// own activation, so producers run side by side while each stays single-threaded.
/// </summary>
public sealed class ProducerGrain : Grain, IProducerGrain
{
    /// <inheritdoc/>
    public Task RunAsync(Func<ProducerContext, CancellationToken, Task> work, int index, CancellationToken cancellationToken = default)
        => work(new ProducerContext(GetPrimaryKeyString(), index, GrainFactory), cancellationToken);
}
