using DocTable.Orleans.Client.Cli;

return await CommandLine.Build().Parse(args).InvokeAsync();
