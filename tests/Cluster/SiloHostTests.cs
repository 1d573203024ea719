using System.Net;
using System.Text.Json;
using DocTable.Orleans.Client.Cli;
using DocTable.Orleans.Client.Tools;
using DocTable.Orleans.Tests.Cluster.Support;
using Xunit;
using Xunit.Abstractions;

namespace DocTable.Orleans.Tests.Cluster;

/// <summary>
/// Issue 11, the silo host: the Orleans Dashboard on <c>--dashboard</c>, <c>/health</c> on <c>--http</c>,
/// and <c>doctable silo</c> as a second way to run the same silo.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SiloHostTests(ITestOutputHelper output)
{
    private const string TableGrainType = "DocTable.Orleans.Grains.TableGrain";

    [Fact]
    public async Task The_dashboard_shows_the_table_grain_and_health_answers_on_the_http_endpoint()
    {
        await using var cluster = await ClusterHarness.StartAsync(output);
        var silo = cluster.StartSilo("silo", "g", cluster.Dir("data"), dashboard: true);
        await silo.WaitReadyAsync();
        var dashboard = silo.DashboardPort!.Value;
        var client = await cluster.ConnectAsync();
        await client.Table<SimpleRow>("seen").InsertAsync(new SimpleRow { Process = "d", Number = 1 });

        // /health: 200 and the silo's own address.
        using (var health = await SiloProcess.Http.GetAsync($"http://127.0.0.1:{silo.HttpPort}/health"))
        {
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
            using var body = JsonDocument.Parse(await health.Content.ReadAsStringAsync());
            Assert.Equal("ok", body.RootElement.GetProperty("status").GetString());
            Assert.True(silo.Is(body.RootElement.GetProperty("silo").GetString()!), body.RootElement.ToString());
        }

        // /GrainTypes: the grain classes of the cluster, DocTable's table grain among them.
        var types = JsonSerializer.Deserialize<string[]>(await SiloProcess.Http.GetStringAsync($"http://127.0.0.1:{dashboard}/GrainTypes"))!;
        Assert.Contains(TableGrainType, types);

        // /DashboardCounters: the table grain's activation, once the dashboard has collected its stats.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        JsonElement? stats = null;
        while (stats is null)
        {
            using var counters = JsonDocument.Parse(await SiloProcess.Http.GetStringAsync($"http://127.0.0.1:{dashboard}/DashboardCounters"));
            var entry = counters.RootElement.GetProperty("simpleGrainStats").EnumerateArray()
                .FirstOrDefault(g => g.GetProperty("grainType").GetString() == TableGrainType && g.GetProperty("activationCount").GetInt32() >= 1);
            if (entry.ValueKind == JsonValueKind.Object) stats = entry.Clone();
            else if (DateTime.UtcNow > deadline) Assert.Fail($"/DashboardCounters never listed an activation of {TableGrainType}: {counters.RootElement}");
            else await Task.Delay(250);
        }
        output.WriteLine($"DashboardCounters: {stats}");
        Assert.StartsWith($"127.0.0.1:{silo.SiloPort}@", stats.Value.GetProperty("siloAddress").GetString());

        // Each endpoint serves only its own port.
        Assert.Equal(HttpStatusCode.NotFound, await SiloProcess.GetStatusAsync(dashboard, "/health"));
        Assert.Equal(HttpStatusCode.NotFound, await SiloProcess.GetStatusAsync(silo.HttpPort, "/GrainTypes"));
    }

    [Fact]
    public async Task Doctable_silo_runs_a_working_silo_that_SIGTERM_stops_cleanly()
    {
        await using var cluster = await ClusterHarness.StartAsync(output);
        var silo = cluster.StartSilo("doctable silo", "g", cluster.Dir("data"), viaCli: true);
        await silo.WaitReadyAsync();
        var client = await cluster.ConnectAsync();
        await client.Table<SimpleRow>("cli").InsertManyAsync(Enumerable.Range(0, 3).Select(n => new SimpleRow { Process = "c", Number = n }));

        var count = cluster.StartCli("count", ["count", "--cluster", cluster.Cluster, "--table", "cli"]);
        var fromEnvironment = cluster.StartCli("count (DOCTABLE__CLUSTER)", ["count", "--table", "cli", "--where", "number >= 1"],
            new Dictionary<string, string> { ["DOCTABLE__CLUSTER"] = cluster.Cluster });
        Assert.Equal(0, await count.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        Assert.Equal(["3"], count.Lines);
        Assert.Equal(0, await fromEnvironment.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        Assert.Equal(["2"], fromEnvironment.Lines);

        silo.Terminate();
        Assert.Equal(0, await silo.Process.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        // Stopped gracefully: the table was committed, checkpointed and closed, leaving no WAL behind.
        var wal = Path.Combine(silo.Data, "cli.db-wal");
        Assert.True(File.Exists(Path.Combine(silo.Data, "cli.db")));
        Assert.True(!File.Exists(wal) || new FileInfo(wal).Length == 0, "the silo should checkpoint and close its tables on SIGTERM");
    }
}
