using System.CommandLine;
using System.Diagnostics;

namespace DocTable.Orleans.Client.Cli;

/// <summary>What <c>doctable produce</c> inserts.</summary>
/// <param name="Table">Table name.</param>
/// <param name="Producers">Number of producers working side by side.</param>
/// <param name="Rows">Rows each producer inserts: producer i inserts the numbers i*Rows..i*Rows+Rows-1.</param>
/// <param name="Chunk">Queue-inserter chunk size; 1 (or none) means single-row awaited inserts.</param>
/// <param name="Prefix">Process names are <c>Prefix + producer index</c>.</param>
public sealed record ProduceSettings(string Table, int Producers, int Rows, int Chunk = 1, string Prefix = "p");

/// <summary>What <c>doctable produce</c> did.</summary>
/// <param name="Inserted">Rows this run inserted.</param>
/// <param name="TableCount">Rows in the table afterwards (other processes' rows included).</param>
/// <param name="Elapsed">Time spent inserting.</param>
public sealed record ProduceResult(long Inserted, long TableCount, TimeSpan Elapsed);

/// <summary>
/// <c>doctable produce</c>: DocTable's worker-process workload from the command line. K producers each
/// insert N rows into one table, with single-row awaited inserts or through a queue inserter; several
/// such processes may share one data directory. Rows are numbered alike in every mode (embedded here,
/// or a cluster fleet with <c>--cluster</c>): producer i inserts <c>{process = PREFIX + i, number}</c> for
/// the numbers i*N..i*N+N-1, so the table ends up with 0..K*N-1, each once.
/// </summary>
public static class ProduceCommand
{
    /// <summary>Builds the command (embedded mode over <c>--data</c>).</summary>
    public static Command Create()
    {
        var data = new Option<string>("--data") { Description = "Data directory holding one SQLite file per table", DefaultValueFactory = _ => "data" };
        var table = new Option<string>("--table", "-t") { Description = "Table to insert into (created if missing)", Required = true };
        var producers = new Option<int>("--producers", "-k") { Description = "Producers working side by side", DefaultValueFactory = _ => 1, CustomParser = WholeNumber.AtLeast(1) };
        var rows = new Option<int>("--rows", "-n") { Description = "Rows per producer: producer i inserts the numbers i*N..i*N+N-1 (N = --rows)", Required = true, CustomParser = WholeNumber.AtLeast(0) };
        var chunk = new Option<int?>("--chunk") { Description = "Queue-inserter chunk size (absent or 1: single-row awaited inserts)", CustomParser = WholeNumber.OptionalAtLeast(1) };
        var name = new Option<string>("--name") { Description = "Prefix of the process names: producer i writes process PREFIX+i", DefaultValueFactory = _ => "p" };
        var processes = new Option<bool>("--processes") { Description = "With --cluster: run the K producers as OS processes (Orleans clients) instead of producer grains on the silos" };
        var command = new Command("produce",
            "Insert rows from K producers (embedded, or a cluster with --cluster); producer i inserts the numbers i*N..i*N+N-1 as process PREFIX+i")
        {
            data, CommandLine.Cluster, table, producers, rows, chunk, name, processes,
        };
        command.SetAction(async (parse, ct) =>
        {
            var terminal = Terminal.For(parse);
            if (CommandLine.ClusterOf(parse) is { } cluster)
                return await FleetCommand.RunAsync(terminal, cluster, new ProduceSettings(parse.GetValue(table)!, parse.GetValue(producers), parse.GetValue(rows),
                    parse.GetValue(chunk) ?? 1000, parse.GetValue(name)!), parse.GetValue(processes), ct);
            if (parse.GetValue(processes)) return terminal.Fail("--processes runs producer processes against a cluster: give --cluster too.");
            try
            {
                var settings = new ProduceSettings(parse.GetValue(table)!, parse.GetValue(producers), parse.GetValue(rows),
                    parse.GetValue(chunk) ?? 1, parse.GetValue(name)!);
                await using var client = await DocTableClient.StartEmbeddedAsync(Path.GetFullPath(parse.GetValue(data)!), cancellationToken: ct);
                var result = await RunAsync(client, settings, ct);
                terminal.Output.WriteLine($"produced {result.Inserted} rows ({settings.Producers} producers x {settings.Rows}) in {result.Elapsed.TotalSeconds:F2} s; table {settings.Table} now holds {result.TableCount} rows");
                return 0;
            }
            catch (Exception e) when (e is DocTableException or ArgumentException)
            {
                return terminal.Fail(e);
            }
        });
        return command;
    }

    /// <summary>The hidden <c>produce-worker</c> command (one producer process of a cluster fleet).</summary>
    public static Command CreateWorker() => FleetCommand.CreateWorker();

    /// <summary>Refuses settings that cannot run, saying which option is wrong.</summary>
    public static void Check(ProduceSettings settings)
    {
        if (settings.Producers < 1) throw new ArgumentOutOfRangeException(nameof(settings), settings.Producers, "--producers must be at least 1.");
        if (settings.Rows < 0) throw new ArgumentOutOfRangeException(nameof(settings), settings.Rows, "--rows must not be negative.");
        if (settings.Chunk < 1) throw new ArgumentOutOfRangeException(nameof(settings), settings.Chunk, "--chunk must be at least 1.");
        if ((long)settings.Producers * settings.Rows - 1 > int.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(settings), settings.Rows, $"--producers x --rows must be at most {int.MaxValue + 1L}: the rows are numbered 0..K*N-1.");
    }

    /// <summary>Runs the workload on <paramref name="client"/> (embedded or remote) and counts the table afterwards.</summary>
    public static async Task<ProduceResult> RunAsync(DocTableClient client, ProduceSettings settings, CancellationToken cancellationToken = default)
    {
        Check(settings);
        var db = client.Table<SimpleRow>(settings.Table);
        await db.OpenAsync(cancellationToken);

        var clock = Stopwatch.StartNew();
        await client.Distribute(settings.Producers).MapChunkAsync(Enumerable.Range(0, settings.Producers).ToArray(), async (chunk, producer, ct) =>
        {
            var process = settings.Prefix + chunk[0];
            var first = chunk[0] * settings.Rows; // the contiguous range of a cluster fleet's producer (FleetCommand)
            var table = producer.Table<SimpleRow>(settings.Table);
            if (settings.Chunk == 1)
            {
                for (var i = 0; i < settings.Rows; i++) await table.InsertAsync(new SimpleRow { Process = process, Number = first + i }, ct);
                return;
            }
            await using var inserter = table.GetQueueInserter(settings.Chunk);
            for (var i = 0; i < settings.Rows; i++) await inserter.InsertAsync(new SimpleRow { Process = process, Number = first + i }, ct);
            await inserter.FlushAsync(ct);
        }, cancellationToken);
        clock.Stop();

        return new ProduceResult((long)settings.Producers * settings.Rows, await db.CountAsync(cancellationToken: cancellationToken), clock.Elapsed);
    }
}
