using DocTable.Orleans.Client.Tools;
using Xunit;

namespace DocTable.Orleans.Tests.Cluster;

/// <summary>One broker shared by the cluster tests that do not restart it.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    /// <summary>The shared broker.</summary>
    public PrivateBroker Broker { get; private set; } = null!;

    /// <inheritdoc/>
    public async Task InitializeAsync() => Broker = await PrivateBroker.StartAsync();

    /// <inheritdoc/>
    public async Task DisposeAsync() => await Broker.DisposeAsync();
}

/// <summary>Cluster tests run one at a time (they start many processes on a small machine).</summary>
[CollectionDefinition("Cluster")]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>;

/// <summary>A temp directory removed on dispose, plus a unique failover group name.</summary>
public sealed class Scratch : IDisposable
{
    /// <summary>Creates it.</summary>
    public Scratch()
    {
        Path = Directory.CreateTempSubdirectory("doctable-cluster-").FullName;
        Group = "g" + Guid.NewGuid().ToString("N")[..10];
    }

    /// <summary>The directory.</summary>
    public string Path { get; }

    /// <summary>A failover group no other test uses.</summary>
    public string Group { get; }

    /// <summary>A subdirectory.</summary>
    public string Sub(string name) => Directory.CreateDirectory(System.IO.Path.Combine(Path, name)).FullName;

    /// <inheritdoc/>
    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
