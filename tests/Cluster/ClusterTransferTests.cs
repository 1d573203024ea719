using DocTable.Orleans.Client.Cli;
using Xunit;

namespace DocTable.Orleans.Tests.Cluster;

/// <summary><c>doctable export</c> and <c>import</c> with <c>--broker</c>: a table leaves and re-enters a cluster through its grains.</summary>
[Collection("Cluster")]
[Trait("Category", "Cluster")]
public sealed class ClusterTransferTests(ClusterFixture fixture)
{
    [Theory]
    [InlineData("csv")]
    [InlineData("jsonl")]
    public async Task Export_and_import_through_the_broker_round_trip_every_row(string format)
    {
        using var scratch = new Scratch();
        await using var silo = await DocTableProcess.StartReadySiloAsync(fixture.Broker.Uri, scratch.Sub("data"), scratch.Group);
        await using var client = await ClusterChecks.ConnectAsync(fixture.Broker.Uri);
        var source = "xfer_" + Guid.NewGuid().ToString("N")[..8];
        var target = source + "_copy";
        var rows = Enumerable.Range(0, 2_500).Select(i => new SimpleRow { Process = i % 7 == 0 ? null : "P" + (i % 5), Number = i }).ToList();
        await client.Table<SimpleRow>(source).InsertManyAsync(rows);

        var file = Path.Combine(scratch.Path, "export." + format);
        await using (var export = DocTableProcess.Start("export", "--broker", fixture.Broker.Uri, "--table", source, "--format", format, "--out", file, "--chunk-size", "400"))
            Assert.Equal(0, await export.WaitForExitAsync(TimeSpan.FromSeconds(120)));
        await using (var import = DocTableProcess.Start("import", file, "--broker", fixture.Broker.Uri, "--table", target, "--format", format, "--chunk-size", "300"))
            Assert.Equal(0, await import.WaitForExitAsync(TimeSpan.FromSeconds(120)));

        var copied = await client.Table<SimpleRow>(target).SelectAsync(orderBy: [OrderBy.Asc("number")]);
        Assert.Equal(rows.Select(r => (r.Process, r.Number)), copied.Select(r => (r.Process, r.Number)));
    }
}
