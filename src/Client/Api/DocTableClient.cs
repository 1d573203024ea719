using DocTable.Orleans.Client.Cluster;
using DocTable.Orleans.Grains.Storage;
using DocTable.Orleans.Silo;
using DocTable.Orleans.Silo.Cluster;
using DocTable.Orleans.Silo.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DocTable.Orleans;

/// <summary>
/// Entry point of DocTable.Orleans. <see cref="StartEmbedded"/> runs a silo in this process over a
/// data directory (no broker needed). Tables are reached with <see cref="Table{T}"/> and work is
/// spread over producers with <see cref="Distribute"/>.
/// </summary>
public sealed class DocTableClient : IAsyncDisposable
{
    private readonly Func<ValueTask> _dispose;

    private DocTableClient(IGrainFactory grains, Func<ValueTask> dispose)
    {
        GrainFactory = grains;
        _dispose = dispose;
    }

    /// <summary>The factory behind this client (local runtime or remote references).</summary>
    public IGrainFactory GrainFactory { get; }

    /// <summary>The embedded silo, when this client runs one.</summary>
    public EmbeddedSilo? Silo { get; private init; }

    /// <summary>Starts a silo in this process over <paramref name="dataDirectory"/> and returns a client of it.</summary>
    public static DocTableClient StartEmbedded(string dataDirectory, Action<EmbeddedSiloOptions>? configure = null)
    {
        var options = new EmbeddedSiloOptions();
        options.Store.DataDirectory = dataDirectory;
        configure?.Invoke(options);
        var silo = EmbeddedSilo.Start(options);
        return new DocTableClient(silo.Runtime, silo.DisposeAsync) { Silo = silo };
    }

    /// <summary>
    /// Connects to a cluster through the broker at <paramref name="brokerUri"/>
    /// (<c>amqp://user:pass@host:5672/</c>) and returns a client with the same <see cref="Table{T}"/> API.
    /// Producer and queue-inserter grains run in this process; table grains are remote references whose
    /// calls travel through each table's queue to the silo that owns it. Reads are answered by that
    /// owner after every earlier message in the queue, so a caller reads its own confirmed writes.
    /// A call no silo answers within <see cref="ClusterClientOptions.CallTimeout"/> throws
    /// <see cref="GrainCallTimeoutException"/>.
    /// </summary>
    public static async Task<DocTableClient> ConnectAsync(string brokerUri, ClusterClientOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ClusterClientOptions();
        var broker = BrokerAddress.Resolve(brokerUri, options.User, options.Password);
        var services = new ServiceCollection();
        services.AddLogging(logging => options.ConfigureLogging?.Invoke(logging));
        EmbeddedSilo.AddGrainServices(services, new TableStoreOptions(), options.VerboseOutput);
        var provider = services.BuildServiceProvider();
        ClusterConnection connection;
        try
        {
            var logger = provider.GetRequiredService<ILoggerFactory>().CreateLogger("DocTable.Cluster");
            connection = await ClusterConnection.ConnectAsync(broker, options, logger, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await provider.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var local = EmbeddedSilo.StandardGrains.Where(g => g.Key != typeof(ITableGrain)).ToDictionary();
        var runtime = new GrainRuntime(local, provider, new GrainRuntimeOptions
        {
            RemoteReferences = (type, key) => type == typeof(ITableGrain) ? connection.Table(key) : null,
        });
        return new DocTableClient(runtime, async () =>
        {
            await runtime.StopAsync().ConfigureAwait(false);
            await connection.DisposeAsync().ConfigureAwait(false);
            await provider.DisposeAsync().ConfigureAwait(false);
        });
    }

    /// <summary>A client over any grain factory (used by remote transports).</summary>
    public static DocTableClient Over(IGrainFactory grains, Func<ValueTask> dispose) => new(grains, dispose);

    /// <summary>
    /// The table <paramref name="name"/> seen through row type <typeparamref name="T"/>. With
    /// <paramref name="readOnly"/>, the handle opens only an existing table, never changes its schema,
    /// and refuses every write with <see cref="ReadOnlyTableException"/>.
    /// </summary>
    public Table<T> Table<T>(string name, bool readOnly = false) where T : new() => new(GrainFactory, name, null, readOnly);

    /// <summary>DocTable's <c>Distribute(k)</c>: k producers working side by side.</summary>
    public Distributor Distribute(int workers) => new(GrainFactory, workers);

    /// <summary>Stops the embedded silo gracefully (drains, flushes, commits, closes) or closes the connection.</summary>
    public ValueTask DisposeAsync() => _dispose();
}
