using System.CommandLine;
using DocTable.Orleans.Client.Cli;

// Long enough for `doctable silo` to drain on SIGTERM before the process is ended.
return await CommandLine.InvokeAsync(args, new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromSeconds(60) });
