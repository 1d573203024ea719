using Microsoft.Extensions.DependencyInjection;

namespace DocTable.Orleans.Grains;

/// <summary>
/// A producer, one of the k workers of <c>Distribute(k)</c>: runs its piece of work as a request of
/// its own activation, so producers run side by side while each stays single-threaded. Placed in the
/// calling silo when there is one (a delegate can only run there); from an external client, on any silo.
/// </summary>
[global::Orleans.Placement.PreferLocalPlacement]
public sealed class ProducerGrain : Grain, IProducerGrain
{
    /// <inheritdoc/>
    public Task RunAsync(ProducerWork work, int index, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return work.Run(Context(index), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<long> RunJobAsync<TArgs>(TArgs args, int index, CancellationToken cancellationToken = default)
    {
        var job = ServiceProvider.GetService<IProducerJob<TArgs>>()
            ?? throw new UnknownJobException($"This silo has no producer job for {typeof(TArgs).Name}: register IProducerJob<{typeof(TArgs).Name}> in the silo's services (every silo of the cluster needs it).");
        return job.RunAsync(args, Context(index), cancellationToken);
    }

    private ProducerContext Context(int index) => new(this.GetPrimaryKeyString(), index, GrainFactory);
}
