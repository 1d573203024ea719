using Xunit;

namespace DocTable.Orleans.Tests.Cluster.Support;

/// <summary>
/// The cluster tests run one at a time: each starts a Redis, silos and producer processes, which is
/// all a shared 2-core machine can take at once.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ClusterCollection
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Cluster";
}
