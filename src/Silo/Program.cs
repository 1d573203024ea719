using DocTable.Orleans.Silo.Cluster;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

// A cluster silo: table grains fed by their RabbitMQ queues.
// Settings: --broker amqp://user:pass@host:5672/ --data DIR [--group G], or DOCTABLE__BROKER, DOCTABLE__DATA, ...
var builder = ClusterSiloHost.CreateBuilder(args);
builder.Configuration.AddCommandLine(args, ClusterSiloHost.Switches.ToDictionary());
builder.AddDocTableSilo();
await builder.Build().RunAsync();
