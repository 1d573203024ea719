using System.CommandLine;
using DocTable.Orleans.Silo.Cluster;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace DocTable.Orleans.Client.Cli;

/// <summary><c>doctable silo --broker URI --data DIR [--group G]</c>: runs a cluster silo in this process (the same host as src/Silo).</summary>
internal static class SiloCommand
{
    public static Command Create()
    {
        var broker = new Option<string?>("--broker") { Description = "Broker URI, amqp://user:pass@host:5672/ (or DOCTABLE__BROKER)" };
        var data = new Option<string?>("--data") { Description = "Data directory of this silo's failover group (or DOCTABLE__DATA; default ./data)" };
        var group = new Option<string?>("--group") { Description = "Failover group: silos sharing one data directory (default: default)" };
        var siloId = new Option<string?>("--silo-id") { Description = "This silo's id (default: host-pid-random)" };
        var command = new Command("silo", "Run a cluster silo: host the tables of a failover group, fed by their RabbitMQ queues (SIGTERM drains)")
        {
            broker, data, group, siloId,
        };
        command.SetAction(async (parse, ct) =>
        {
            var builder = ClusterSiloHost.CreateBuilder();
            var settings = new Dictionary<string, string?>();
            void Set(string key, string? value) { if (value is not null) settings[$"{ClusterSiloOptions.Section}:{key}"] = value; }
            Set(nameof(ClusterSiloOptions.Broker), parse.GetValue(broker));
            Set(nameof(ClusterSiloOptions.Data), parse.GetValue(data));
            Set(nameof(ClusterSiloOptions.Group), parse.GetValue(group));
            Set(nameof(ClusterSiloOptions.SiloId), parse.GetValue(siloId));
            builder.Configuration.AddInMemoryCollection(settings);
            builder.AddDocTableSilo();
            try
            {
                // SIGTERM/SIGINT cancel ct; the host then drains before it returns.
                await builder.Build().RunAsync(ct);
                return 0;
            }
            catch (ArgumentException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return 2;
            }
        });
        return command;
    }
}
