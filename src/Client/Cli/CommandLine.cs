using System.CommandLine;
using Spectre.Console;

namespace DocTable.Orleans.Client.Cli;

/// <summary>The <c>doctable</c> command line.</summary>
public static class CommandLine
{
    private static readonly Option<string?> Data = new("--data")
    {
        Description = "Data directory holding one SQLite file per table (embedded mode)",
    };

    private static readonly Option<string> Table = new("--table", "-t")
    {
        Description = "Table name",
        Required = true,
    };

    private static readonly Option<string?> Where = new("--where", "-w")
    {
        Description = "Filter, e.g. \"number >= 10 and process = 'AB'\" (ops = != < <= > >=, like, is [not] null)",
    };

    /// <summary>Builds the root command.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("doctable: DocTable's concurrent table store on Microsoft Orleans (an embedded silo over SQLite files)")
        {
            DemoCommand(),
            HeadCommand(),
            CountCommand(),
            SelectCommand(),
            ProduceCommand.Create(),
            ExportCommand.Create(Data, Table, Where),
            ImportCommand.Create(Data, Table),
            CleanCommand.Create(Data, Table),
            BenchCommand.Build(),
        };
        return root;
    }

    private static Command DemoCommand()
    {
        var delay = new Option<int>("--delay-ms") { Description = "Pause after each insert, as the notebook's time.sleep(0.01)", DefaultValueFactory = _ => 10 };
        var command = new Command("demo", "Reproduce DocTable's \"Concurrent Database Connections\" notebook") { Data, delay };
        command.SetAction(async (parse, ct) =>
        {
            var data = parse.GetValue(Data);
            var temp = data is null ? Directory.CreateTempSubdirectory("doctable-demo-").FullName : null;
            try
            {
                AnsiConsole.MarkupLine($"[grey]data directory: {Markup.Escape(data ?? temp!)}[/]");
                await using var client = await DocTableClient.StartEmbeddedAsync(data ?? temp!, cancellationToken: ct);
                return await new Demo(AnsiConsole.Console, client, TimeSpan.FromMilliseconds(parse.GetValue(delay))).RunAsync(ct);
            }
            finally
            {
                if (temp is not null) Directory.Delete(temp, recursive: true);
            }
        });
        return command;
    }

    private static Command HeadCommand()
    {
        var rows = new Option<int>("-n", "--rows") { Description = "Number of rows", DefaultValueFactory = _ => 10 };
        var command = new Command("head", "Print the first rows of a table") { Data, Table, rows };
        command.SetAction((parse, ct) => WithTableAsync(parse, async grain =>
        {
            RowPrinter.Print(AnsiConsole.Console, await grain.SelectAsync(new SelectQuery(Limit: parse.GetValue(rows)), ct));
        }));
        return command;
    }

    private static Command CountCommand()
    {
        var command = new Command("count", "Count the rows of a table") { Data, Table, Where };
        command.SetAction((parse, ct) => WithTableAsync(parse, async grain =>
        {
            Console.WriteLine(await grain.CountAsync(WhereParser.Parse(parse.GetValue(Where)), ct));
        }));
        return command;
    }

    private static Command SelectCommand()
    {
        var columns = new Option<string?>("--columns", "-c") { Description = "Comma-separated columns (default: all)" };
        var orderBy = new Option<string?>("--order-by") { Description = "Column to sort by; append ' desc' for descending" };
        var limit = new Option<int?>("--limit", "-n") { Description = "Maximum rows" };
        var offset = new Option<int>("--offset") { Description = "Rows to skip" };
        var command = new Command("select", "Print the rows of a table that match a filter") { Data, Table, Where, columns, orderBy, limit, offset };
        command.SetAction((parse, ct) => WithTableAsync(parse, async grain =>
        {
            var order = parse.GetValue(orderBy) is { } o
                ? new[] { o.EndsWith(" desc", StringComparison.OrdinalIgnoreCase) ? OrderBy.Desc(o[..^5].Trim()) : OrderBy.Asc(o.Trim()) }
                : null;
            var query = new SelectQuery(
                parse.GetValue(columns)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                WhereParser.Parse(parse.GetValue(Where)), order, parse.GetValue(limit), parse.GetValue(offset));
            RowPrinter.Print(AnsiConsole.Console, await grain.SelectAsync(query, ct));
        }));
        return command;
    }

    /// <summary>A client of an embedded silo over <c>--data</c>.</summary>
    internal static Task<DocTableClient> OpenClientAsync(ParseResult parse, CancellationToken cancellationToken = default)
        => DocTableClient.StartEmbeddedAsync(DataDirectory(parse), cancellationToken: cancellationToken);

    /// <summary>The data directory the options name (default "data").</summary>
    internal static string DataDirectory(ParseResult parse) => parse.GetValue(Data) ?? "data";

    /// <summary>A console on standard error, for progress bars that must not mix with exported rows.</summary>
    internal static IAnsiConsole ErrorConsole() => AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <summary>Opens the client the options name, opens the existing table and runs <paramref name="action"/>; typed errors become exit code 2.</summary>
    internal static async Task<int> WithTableAsync(ParseResult parse, Func<ITableGrain, Task> action)
    {
        try
        {
            await using var client = await OpenClientAsync(parse);
            var grain = client.GrainFactory.GetGrain<ITableGrain>(parse.GetValue(Table)!);
            await grain.OpenAsync(null);
            await action(grain);
            return 0;
        }
        catch (Exception e) when (e is DocTableException or ArgumentException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }
}
