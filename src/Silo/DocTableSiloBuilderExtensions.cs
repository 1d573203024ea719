using DocTable.Orleans.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Dashboard;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace DocTable.Orleans;

/// <summary>Adds DocTable's grains to an Orleans silo, and makes a silo a member of a DocTable cluster.</summary>
public static class DocTableSiloBuilderExtensions
{
    /// <summary>
    /// Hosts DocTable's table, queue-inserter and producer grains in this silo, over the data directory,
    /// failover group and commit settings of <paramref name="configure"/>. On shutdown, queue inserters
    /// flush before tables commit, checkpoint and close. Reach the tables with
    /// <c>DocTableClient.Over(grainFactory).Table&lt;T&gt;("name")</c> or <c>GetGrain&lt;ITableGrain&gt;("name")</c>.
    /// </summary>
    public static ISiloBuilder AddDocTable(this ISiloBuilder builder, Action<DocTableOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var settings = new DocTableOptions();
        configure?.Invoke(settings);
        Identifier.Validate(settings.Group, "group");
        var options = builder.Services.AddOptions<DocTableOptions>();
        if (configure is not null) options.Configure(configure);
        builder.UseSiloMetadata(new Dictionary<string, string> { [TableGroupPlacementDirector.GroupKey] = settings.Group });
        builder.Services.TryAddSingleton<ITableCatalog, SingleGroupCatalog>();
        builder.Services.TryAddSingleton<LocalQueueInserters>();
        builder.Services.TryAddSingleton<IProducerJob<InsertNumbersJob>, InsertNumbers>();
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, QueueInserterShutdown>();
        builder.AddPlacementDirector<TableGroupPlacement, TableGroupPlacementDirector>();
        return builder;
    }

    /// <summary>
    /// Everything a DocTable silo process is, from its <paramref name="settings"/>: a member of the
    /// cluster named by <see cref="SiloSettings.Cluster"/> (or alone on this machine without one), the
    /// DocTable grains over its data directory and group, and the Orleans Dashboard with <c>--dashboard</c>.
    /// </summary>
    public static ISiloBuilder UseDocTableSilo(this ISiloBuilder builder, SiloSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Cluster is { } cluster) builder.UseDocTableCluster(ClusterAddress.Parse(cluster), settings);
        else builder.UseLocalhostClustering(settings.SiloPort, settings.GatewayPort, serviceId: ClusterAddress.DefaultClusterId, clusterId: ClusterAddress.DefaultClusterId);
        builder.AddDocTable(o =>
        {
            o.DataDirectory = settings.Data;
            o.Group = settings.Group;
            o.Durability = settings.Durability;
        });
        if (settings.Dashboard is not null) builder.AddDashboard();
        return builder;
    }

    /// <summary>
    /// Makes this silo a member of the DocTable cluster at <paramref name="cluster"/>: Redis membership
    /// with probes tuned so that a dead silo is evicted in about <c>probeTimeout × missedProbes</c>, the
    /// table catalog in the same Redis (the tables whose files are already in the data directory are
    /// registered for this silo's group at startup), and the endpoints other silos and clients use.
    /// </summary>
    public static ISiloBuilder UseDocTableCluster(this ISiloBuilder builder, ClusterAddress cluster, SiloSettings settings)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        ArgumentNullException.ThrowIfNull(settings);
        builder.UseRedisClustering(o => o.ConfigurationOptions = cluster.RedisOptions(TimeSpan.FromSeconds(5)));
        builder.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = ClusterAddress.DefaultClusterId;
        });
        builder.ConfigureEndpoints(settings.AdvertisedAddress(), settings.SiloPort, settings.GatewayPort, listenOnAnyHostAddress: true);
        builder.Configure<ClusterMembershipOptions>(o =>
        {
            o.ProbeTimeout = settings.ProbeTimeout;
            o.NumMissedProbesLimit = settings.MissedProbes;
            o.NumVotesForDeathDeclaration = 1;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
        });
        builder.Services.RemoveAll<ITableCatalog>();
        builder.Services.AddSingleton<ITableCatalog>(new RedisTableCatalog(cluster));
        builder.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, ExistingTablesRegistration>();
        return builder;
    }
}
