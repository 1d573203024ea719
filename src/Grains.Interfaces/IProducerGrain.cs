namespace DocTable.Orleans;

/// <summary>What a producer's work sees: its id and a way to reach grains.</summary>
/// <param name="ProducerId">The producer's id (also the key of its grain).</param>
/// <param name="Index">Position of the producer among those started together (0-based).</param>
/// <param name="GrainFactory">Factory for grains.</param>
public sealed record ProducerContext(string ProducerId, int Index, IGrainFactory GrainFactory);

/// <summary>
/// A worker, as one of the processes of DocTable's <c>Distribute(k)</c>: runs a piece of work as a
/// turn of its own activation, so producers run concurrently with each other.
/// </summary>
public interface IProducerGrain : IGrainWithStringKey
{
    /// <summary>Runs <paramref name="work"/> to completion; its exception reaches the caller.</summary>
    Task RunAsync(Func<ProducerContext, CancellationToken, Task> work, int index, CancellationToken cancellationToken = default);
}
