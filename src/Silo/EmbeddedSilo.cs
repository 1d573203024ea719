using DocTable.Orleans.Grains;
using DocTable.Orleans.Grains.Storage;
using DocTable.Orleans.Silo.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DocTable.Orleans.Silo;

/// <summary>Settings of a silo that runs in the caller's process.</summary>
public sealed class EmbeddedSiloOptions
{
    /// <summary>Table files and durability.</summary>
    public TableStoreOptions Store { get; } = new();

    /// <summary>Mailbox size and idle timings.</summary>
    public GrainRuntimeOptions Runtime { get; } = new();

    /// <summary>Where verbose queue inserters print; standard output when null.</summary>
    public TextWriter? VerboseOutput { get; set; }

    /// <summary>Logging; none when null.</summary>
    public Action<ILoggingBuilder>? ConfigureLogging { get; set; }

    /// <summary>Extra grain classes (interface to implementation), e.g. an application's own grains.</summary>
    public Dictionary<Type, Type> ExtraGrains { get; } = [];
}

/// <summary>
/// A silo in the caller's process: the grain runtime with the table, queue-inserter and producer
/// grains registered over a data directory. <c>DocTableClient.StartEmbedded</c> starts one.
/// </summary>
public sealed class EmbeddedSilo : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private EmbeddedSilo(ServiceProvider services, GrainRuntime runtime)
    {
        _services = services;
        Runtime = runtime;
    }

    /// <summary>The grain runtime (also the silo's <see cref="IGrainFactory"/>).</summary>
    public GrainRuntime Runtime { get; }

    /// <summary>The silo's services.</summary>
    public IServiceProvider Services => _services;

    /// <summary>The grain classes every silo hosts.</summary>
    public static IReadOnlyDictionary<Type, Type> StandardGrains { get; } = new Dictionary<Type, Type>
    {
        [typeof(ITableGrain)] = typeof(TableGrain),
        [typeof(IQueueInserterGrain)] = typeof(QueueInserterGrain),
        [typeof(IProducerGrain)] = typeof(ProducerGrain),
    };

    /// <summary>Starts a silo over <paramref name="options"/>.</summary>
    public static EmbeddedSilo Start(EmbeddedSiloOptions options)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => options.ConfigureLogging?.Invoke(logging));
        AddGrainServices(services, options.Store, options.VerboseOutput);
        var provider = services.BuildServiceProvider();
        var grains = new Dictionary<Type, Type>(StandardGrains);
        foreach (var (iface, impl) in options.ExtraGrains) grains[iface] = impl;
        return new EmbeddedSilo(provider, new GrainRuntime(grains, provider, options.Runtime));
    }

    /// <summary>Registers what the standard grains need: store options and the verbose output.</summary>
    public static void AddGrainServices(IServiceCollection services, TableStoreOptions store, TextWriter? verboseOutput)
    {
        services.AddOptions<TableStoreOptions>().Configure(o =>
        {
            o.DataDirectory = store.DataDirectory;
            o.Durability = store.Durability;
            o.BusyTimeout = store.BusyTimeout;
            o.MaxRowsPerTransaction = store.MaxRowsPerTransaction;
            o.MaxTransactionAge = store.MaxTransactionAge;
        });
        services.AddSingleton(new VerboseOutput { Writer = verboseOutput ?? Console.Out });
    }

    /// <summary>Graceful shutdown: drains mailboxes, flushes inserters, commits and closes tables.</summary>
    public Task StopAsync() => Runtime.StopAsync();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await Runtime.StopAsync().ConfigureAwait(false);
        await _services.DisposeAsync().ConfigureAwait(false);
    }
}
