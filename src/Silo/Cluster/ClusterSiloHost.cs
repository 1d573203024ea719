using DocTable.Orleans.Grains.Storage;
using DocTable.Orleans.Silo.Runtime;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace DocTable.Orleans.Silo.Cluster;

/// <summary>Registers a cluster silo in a host: the grain runtime with the standard grains and the <see cref="TableHost"/>.</summary>
public static class ClusterSiloHost
{
    /// <summary>Short command-line switches for the silo's settings.</summary>
    public static readonly IReadOnlyDictionary<string, string> Switches = new Dictionary<string, string>
    {
        ["--broker"] = "DocTable:Broker",
        ["--data"] = "DocTable:Data",
        ["--group"] = "DocTable:Group",
        ["--silo-id"] = "DocTable:SiloId",
        ["--user"] = "DocTable:User",
        ["--password"] = "DocTable:Password",
    };

    /// <summary>
    /// A host builder for a silo: <see cref="Host.CreateApplicationBuilder(string[])"/> with its defaults,
    /// except that configuration files are read once and not watched. The watcher covers the whole
    /// content root (the current folder) recursively, so with the data directory below it (the default
    /// <c>./data</c>) every SQLite/WAL write woke it: ~7 % of the silo's CPU while ingesting.
    /// </summary>
    public static HostApplicationBuilder CreateBuilder(string[]? args = null)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["hostBuilder:reloadConfigOnChange"] = "false" });
        return Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, Configuration = configuration });
    }

    /// <summary>Adds a cluster silo, configured from the <c>DocTable</c> section, to <paramref name="builder"/>.</summary>
    public static IHostApplicationBuilder AddDocTableSilo(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.Configure<ClusterSiloOptions>(builder.Configuration.GetSection(ClusterSiloOptions.Section));
        services.AddOptions<TableStoreOptions>().Configure<IOptions<ClusterSiloOptions>>((store, silo) => store.DataDirectory = silo.Value.Data);
        services.AddSingleton(new Grains.VerboseOutput { Writer = Console.Out });
        services.AddSingleton(provider => new GrainRuntime(EmbeddedSilo.StandardGrains, provider));
        services.AddHostedService<TableHost>();
        return builder;
    }
}
