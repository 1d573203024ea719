using DocTable.Orleans.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace DocTable.Orleans;

/// <summary>Adds DocTable's grains to an Orleans silo.</summary>
public static class DocTableSiloBuilderExtensions
{
    /// <summary>
    /// Hosts DocTable's table, queue-inserter and producer grains in this silo, over the data directory
    /// and commit settings of <paramref name="configure"/>. On shutdown, queue inserters flush before
    /// tables commit, checkpoint and close. Then reach tables with
    /// <c>DocTableClient.Over(grainFactory).Table&lt;T&gt;("name")</c> or <c>GetGrain&lt;ITableGrain&gt;("name")</c>.
    /// </summary>
    public static ISiloBuilder AddDocTable(this ISiloBuilder builder, Action<DocTableOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<DocTableOptions>();
        if (configure is not null) options.Configure(configure);
        builder.Services.TryAddSingleton<LocalQueueInserters>();
        builder.Services.TryAddSingleton<IProducerJob<InsertNumbersJob>, InsertNumbers>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, QueueInserterShutdown>();
        return builder;
    }
}
