using DocTable.Orleans.Client.Cli;
using DocTable.Orleans.Tests.Embedded.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit;

namespace DocTable.Orleans.Tests.Hosting;

/// <summary>
/// An Orleans developer's own silo with <c>siloBuilder.AddDocTable(…)</c>: the same Table API over
/// the host's grain factory, delegates on its producer grains, and a graceful stop that flushes
/// queue inserters and closes tables — as the README shows it.
/// </summary>
public sealed class HostedSiloTests
{
    [Fact]
    public async Task AServiceHostingItsOwnSilo_GetsTheTableApi_OverItsGrainFactory()
    {
        await using var store = new TempStore();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.UseOrleans(silo => silo
            .UseLocalhostClustering(siloPort: FreePorts.Next(), gatewayPort: FreePorts.Next(), serviceId: "hosted", clusterId: "hosted-" + Guid.NewGuid().ToString("N"))
            .AddDocTable(o => o.DataDirectory = store.DataDir));
        using var host = builder.Build();
        await host.StartAsync();

        var tables = DocTableClient.Over(host.Services.GetRequiredService<IGrainFactory>());
        Assert.True(tables.InSilo);
        var events = tables.Table<SimpleRow>("events");
        var id = await events.InsertAsync(new SimpleRow { Process = "svc", Number = 1 });
        await tables.Distribute(3).MapChunkAsync(Enumerable.Range(10, 30).ToArray(), async (chunk, producer, ct) =>
        {
            foreach (var n in chunk) await producer.Table<SimpleRow>("events").InsertAsync(new SimpleRow { Process = producer.Id, Number = n }, ct);
        });
        var inserter = events.GetQueueInserter(chunkSize: 100);
        for (var n = 100; n < 105; n++) await inserter.InsertAsync(new SimpleRow { Process = "queued", Number = n });
        Assert.Equal(31, await events.CountAsync());
        await tables.DisposeAsync(); // a client over someone else's silo leaves it running
        Assert.Equal("svc", (await events.FirstAsync(events["id"] == id))!.Process);

        await host.StopAsync(); // the five queued rows are flushed on the way down
        Assert.Equal(36L, store.Query("events", "SELECT COUNT(*) FROM events")[0][0]);
        Assert.Equal(5L, store.Query("events", "SELECT COUNT(*) FROM events WHERE process = 'queued'")[0][0]);
    }
}
