using DocTable.Orleans.Silo;

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
