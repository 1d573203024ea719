return await DocTable.Orleans.Bench.BenchProgram.RunAsync(args);
