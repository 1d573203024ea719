using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using Spectre.Console;

namespace DocTable.Orleans.Client.Cli;

/// <summary>The <c>doctable</c> command line.</summary>
public static class CommandLine
{
    private static readonly Option<string?> Data = new("--data")
    {
        Description = "Data directory holding one SQLite file per table (embedded mode)",
    };

    /// <summary><c>--cluster</c>: a cluster instead of an embedded silo.</summary>
    internal static readonly Option<string?> Cluster = new("--cluster")
    {
        Description = "Reach the tables of a cluster, redis://HOST:PORT[/CLUSTER-ID], instead of an embedded silo over --data (default: DOCTABLE__CLUSTER when --data is not given)",
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

    /// <summary>
    /// Parses <paramref name="args"/> and runs the command. Arguments that do not parse (an unknown
    /// option, a missing or malformed value) print <c>error: …</c> lines and a pointer to <c>--help</c>
    /// on standard error and exit with code 2, as the commands' own typed errors do.
    /// </summary>
    public static Task<int> InvokeAsync(string[] args, InvocationConfiguration? configuration = null)
    {
        configuration ??= new InvocationConfiguration();
        var parse = Build().Parse(args);
        if (parse.Errors.Count == 0 || parse.Action is not ParseErrorAction) return parse.InvokeAsync(configuration);
        foreach (var error in parse.Errors) configuration.Error.WriteLine($"error: {error.Message}");
        var path = new List<string>();
        for (var result = parse.CommandResult; result is not null; result = result.Parent as CommandResult) path.Insert(0, result.Command.Name);
        configuration.Error.WriteLine($"See '{string.Join(' ', path)} --help'.");
        return Task.FromResult(2);
    }

    /// <summary>Builds the root command.</summary>
    public static RootCommand Build()
    {
        var root = new RootCommand("doctable: DocTable's concurrent table store on Microsoft Orleans (an embedded silo over SQLite files, or a cluster of silos)")
        {
            DemoCommand(),
            HeadCommand(),
            CountCommand(),
            SelectCommand(),
            ProduceCommand.Create(),
            ProduceCommand.CreateWorker(),
            ExportCommand.Create(Data, Table, Where).With(Cluster),
            ImportCommand.Create(Data, Table).With(Cluster),
            CleanCommand.Create(Data, Table).With(Cluster),
            SiloCommand.Create(),
            ServeCommand.Create(),
            BenchCommand.Build(),
        };
        return root;
    }

    private static Command DemoCommand()
    {
        var delay = new Option<int>("--delay-ms") { Description = "Pause after each insert, as the notebook's time.sleep(0.01)", DefaultValueFactory = _ => 10, CustomParser = WholeNumber.AtLeast(0) };
        var command = new Command("demo", "Reproduce DocTable's \"Concurrent Database Connections\" notebook") { Data, delay };
        command.SetAction(async (parse, ct) =>
        {
            var data = parse.GetValue(Data) is { } given ? Path.GetFullPath(given) : null;
            var temp = data is null ? Directory.CreateTempSubdirectory("doctable-demo-").FullName : null;
            var terminal = Terminal.For(parse);
            try
            {
                terminal.Console.MarkupLine($"[grey]table {Demo.TableName} in data directory {Markup.Escape(data ?? temp!)}{(temp is null ? "" : " (temporary: removed at the end; pass --data DIR to keep it)")}[/]");
                await using var client = await DocTableClient.StartEmbeddedAsync(data ?? temp!, cancellationToken: ct);
                var code = await new Demo(terminal.Console, client, TimeSpan.FromMilliseconds(parse.GetValue(delay))).RunAsync(ct);
                if (temp is null)
                    terminal.Console.MarkupLine($"[grey]the rows of part 3 stay in table {Demo.TableName}: doctable head --data \"{Markup.Escape(data!)}\" --table {Demo.TableName}[/]");
                return code;
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
        var rows = new Option<int>("-n", "--rows") { Description = "Number of rows", DefaultValueFactory = _ => 10, CustomParser = WholeNumber.AtLeast(0) };
        var command = new Command("head", "Print the first rows of a table") { Data, Cluster, Table, rows };
        command.SetAction((parse, ct) => WithTableAsync(parse, async (grain, terminal) =>
        {
            RowPrinter.Print(terminal.Console, await grain.SelectAsync(new SelectQuery(Limit: parse.GetValue(rows)), ct));
        }));
        return command;
    }

    private static Command CountCommand()
    {
        var command = new Command("count", "Count the rows of a table") { Data, Cluster, Table, Where };
        command.SetAction((parse, ct) => WithTableAsync(parse, async (grain, terminal) =>
        {
            terminal.Output.WriteLine(await grain.CountAsync(WhereParser.Parse(parse.GetValue(Where)), ct));
        }));
        return command;
    }

    private static Command SelectCommand()
    {
        var columns = new Option<string?>("--columns", "-c") { Description = "Comma-separated columns (default: all)" };
        var orderBy = new Option<string?>("--order-by") { Description = "Columns to sort by, each optionally followed by asc or desc, e.g. \"process, number desc\"" };
        var limit = new Option<int?>("--limit", "-n") { Description = "Maximum rows", CustomParser = WholeNumber.OptionalAtLeast(0) };
        var offset = new Option<int>("--offset") { Description = "Rows to skip", CustomParser = WholeNumber.AtLeast(0) };
        var page = new Option<int>("--page") { Description = "Rows per printed table; the rows are read page by page, so memory stays bounded whatever the result's size", DefaultValueFactory = _ => 1000, CustomParser = WholeNumber.AtLeast(1) };
        var command = new Command("select", "Print the rows of a table that match a filter, in tables of --page rows") { Data, Cluster, Table, Where, columns, orderBy, limit, offset, page };
        command.SetAction((parse, ct) => WithTableAsync(parse, async (grain, terminal) =>
        {
            var order = OrderByParser.Parse(parse.GetValue(orderBy));
            var query = new SelectQuery(
                parse.GetValue(columns)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                WhereParser.Parse(parse.GetValue(Where)), order, parse.GetValue(limit), parse.GetValue(offset));
            var printed = false;
            await foreach (var rows in grain.SelectPagesAsync(query, parse.GetValue(page), ct))
            {
                RowPrinter.Print(terminal.Console, rows);
                printed = true;
            }
            if (!printed) RowPrinter.Print(terminal.Console, await grain.SelectAsync(query with { Limit = 0 }, ct));
        }));
        return command;
    }

    /// <summary>
    /// A client of the cluster behind <c>--cluster</c> (or <c>DOCTABLE__CLUSTER</c> when neither option
    /// is given), else of an embedded silo over <c>--data</c>.
    /// </summary>
    internal static Task<DocTableClient> OpenClientAsync(ParseResult parse, CancellationToken cancellationToken = default)
        => ClusterOf(parse) is { } cluster
            ? DocTableClient.ConnectAsync(cluster, cancellationToken: cancellationToken)
            : DocTableClient.StartEmbeddedAsync(DataDirectory(parse), cancellationToken: cancellationToken);

    /// <summary>The cluster the options (or the environment) name, or null for embedded mode.</summary>
    internal static string? ClusterOf(ParseResult parse)
    {
        var given = parse.GetValue(Cluster);
        if (given is not null && parse.GetResult(Data) is not null)
            throw new ArgumentException("Give either --data (an embedded silo) or --cluster (a cluster), not both.");
        if (given is null && parse.GetResult(Data) is null) given = Environment.GetEnvironmentVariable("DOCTABLE__CLUSTER");
        return string.IsNullOrWhiteSpace(given) ? null : given;
    }

    /// <summary>Adds <paramref name="option"/> to <paramref name="command"/>.</summary>
    internal static Command With(this Command command, Option option)
    {
        command.Options.Add(option);
        return command;
    }

    /// <summary>The absolute path of the data directory the options name (default "data"), so that messages name it whole.</summary>
    internal static string DataDirectory(ParseResult parse) => Path.GetFullPath(parse.GetValue(Data) ?? "data");

    /// <summary>Opens the client the options name, opens the existing table and runs <paramref name="action"/>; typed errors become exit code 2.</summary>
    internal static async Task<int> WithTableAsync(ParseResult parse, Func<ITableGrain, Terminal, Task> action)
    {
        var terminal = Terminal.For(parse);
        try
        {
            await using var client = await OpenClientAsync(parse);
            var grain = client.GrainFactory.GetGrain<ITableGrain>(parse.GetValue(Table)!);
            await grain.OpenAsync(null);
            await action(grain, terminal);
            return 0;
        }
        catch (Exception e) when (e is DocTableException or ArgumentException or IOException or UnauthorizedAccessException)
        {
            return terminal.Fail(e); // IO: a file named by an option (export --out) cannot be written
        }
    }
}
