using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime;

namespace DocTable.Orleans;

/// <summary>
/// Entry point of DocTable.Orleans, in the shape of DocTable: <see cref="Table{T}"/> for tables and
/// <see cref="Distribute"/> for producers working side by side. <see cref="StartEmbeddedAsync"/> runs
/// an Orleans silo in this process over a data directory (no server to start); <see cref="Over"/>
/// gives the same API over the grain factory of a silo you host yourself.
/// </summary>
public sealed class DocTableClient : IAsyncDisposable
{
    private readonly Func<ValueTask> _dispose;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Table, string[] Columns), InsertCombiner> _combiners = new();

    private DocTableClient(IGrainFactory grains, bool inSilo, Func<ValueTask> dispose)
    {
        GrainFactory = grains;
        InSilo = inSilo;
        _dispose = dispose;
    }

    /// <summary>The Orleans grain factory behind this client.</summary>
    public IGrainFactory GrainFactory { get; }

    /// <summary>
    /// True when this process hosts a silo, so producer grains can run delegates
    /// (<see cref="Distributor.MapChunkAsync{TItem}"/> runs each worker on a producer grain of that silo).
    /// </summary>
    public bool InSilo { get; }

    /// <summary>Where verbose queue inserters of this client print "Inserting N records." (standard output by default).</summary>
    public TextWriter VerboseOutput { get; set; } = Console.Out;

    /// <summary>
    /// Starts an Orleans silo in this process over <paramref name="dataDirectory"/> (localhost clustering
    /// on free ports, its own cluster id) and returns a client of it. Disposing the client stops the
    /// silo gracefully: queue inserters flush, tables commit, checkpoint and close.
    /// </summary>
    public static async Task<DocTableClient> StartEmbeddedAsync(string dataDirectory, Action<EmbeddedSiloOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(dataDirectory);
        var options = new EmbeddedSiloOptions();
        options.Store.DataDirectory = dataDirectory;
        configure?.Invoke(options);
        var silo = await EmbeddedSilo.StartAsync(options, cancellationToken).ConfigureAwait(false);
        return new DocTableClient(silo.GrainFactory, inSilo: true, silo.DisposeAsync);
    }

    /// <summary>
    /// Connects to the DocTable cluster at <paramref name="cluster"/> (<c>redis://host:port[/cluster-id]</c>)
    /// as an Orleans client and returns a client with the same <see cref="Table{T}"/> API: every call
    /// goes to the silo hosting the table. Fails within about 10 s with
    /// <see cref="ClusterUnavailableException"/>, naming the address and what to start, when the
    /// Redis is unreachable or no silo of the cluster is running. A call that gets no answer within
    /// <paramref name="callTimeout"/> (10 s by default) fails with <see cref="TimeoutException"/>: a client
    /// is not told when a silo dies under its call, so this bounds how long such a call waits. Whether a
    /// write that timed out was stored is unknown; retry it with a producer id and sequence number
    /// (<see cref="InsertOptions"/>) to make the retry harmless.
    /// </summary>
    public static async Task<DocTableClient> ConnectAsync(string cluster, TimeSpan? callTimeout = null, CancellationToken cancellationToken = default)
    {
        var client = await ClusterConnection.ConnectAsync(ClusterAddress.Parse(cluster), callTimeout ?? TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
        return new DocTableClient(client.GrainFactory, inSilo: false, client.DisposeAsync);
    }

    /// <summary>
    /// The DocTable API over a grain factory you own: a silo's (after <c>siloBuilder.AddDocTable(…)</c>)
    /// or an Orleans client's. Disposing the returned client leaves the silo or client running.
    /// </summary>
    public static DocTableClient Over(IGrainFactory grains)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var external = grains is IClusterClient client && client.ServiceProvider.GetService<ILocalSiloDetails>() is null;
        return new DocTableClient(grains, inSilo: !external, static () => ValueTask.CompletedTask);
    }

    /// <summary>
    /// The table <paramref name="name"/> seen through row type <typeparamref name="T"/>. With
    /// <paramref name="readOnly"/>, the handle opens only an existing table, never changes its schema,
    /// and refuses every write with <see cref="ReadOnlyTableException"/>.
    /// </summary>
    public Table<T> Table<T>(string name, bool readOnly = false) where T : new() => new(this, name, null, readOnly);

    /// <summary>The insert combiner of <paramref name="table"/> for rows in <paramref name="columns"/> (one per table and row type).</summary>
    internal InsertCombiner Combiner(string table, string[] columns)
        => _combiners.GetOrAdd((table, columns), key => new InsertCombiner(GrainFactory.GetGrain<ITableGrain>(key.Table), key.Columns));

    /// <summary>DocTable's <c>Distribute(k)</c>: k producers working side by side.</summary>
    public Distributor Distribute(int workers) => new(this, workers);

    /// <summary>Stops the embedded silo gracefully (drains, flushes, commits, closes); a client made with <see cref="Over"/> leaves its silo running.</summary>
    public ValueTask DisposeAsync() => _dispose();
}
