namespace DocTable.Orleans.Tests.Cluster.Support;

/// <summary>
/// What one producer of the seed workload writes: rows <c>{process = <paramref name="Process"/>, number}</c>
/// for the numbers <paramref name="From"/> .. <paramref name="From"/> + <paramref name="Count"/> - 1.
/// </summary>
/// <param name="ProducerId">Keys the producer's exactly-once sequence numbers.</param>
/// <param name="Process">Value of the process column.</param>
/// <param name="From">First number.</param>
/// <param name="Count">Rows.</param>
public sealed record ProducerRange(string ProducerId, string Process, long From, long Count)
{
    /// <summary>
    /// <paramref name="producers"/> ranges of <paramref name="rows"/> rows each, numbered as <c>doctable produce</c>
    /// numbers them: producer i writes process <c>p{i}</c> and the numbers i*rows .. i*rows+rows-1.
    /// </summary>
    public static ProducerRange[] Fleet(string run, int producers, long rows)
        => Enumerable.Range(0, producers).Select(i => new ProducerRange($"{run}-p{i}", $"p{i}", i * rows, rows)).ToArray();
}
