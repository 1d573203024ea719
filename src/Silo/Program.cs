using DocTable.Orleans;
using Microsoft.Extensions.Hosting;

// A DocTable silo: Orleans with the DocTable grains over a data directory.
var builder = Host.CreateApplicationBuilder(args);
builder.UseOrleans(silo => silo
    .UseLocalhostClustering()
    .AddDocTable(o => o.DataDirectory = builder.Configuration["DocTable:Data"] ?? "data"));
await builder.Build().RunAsync();
