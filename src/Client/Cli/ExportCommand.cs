using System.CommandLine;
using System.Text;
using DocTable.Orleans.Client.Cli.Transfer;
using DocTable.Orleans.Grains.Storage;
using Spectre.Console;

namespace DocTable.Orleans.Client.Cli;

/// <summary>
/// <c>doctable export --data DIR --table T --format csv|jsonl [--out FILE]</c>: streams the table through
/// its grain in keyset pages (never loaded whole) to a file or standard output, with a progress bar on
/// standard error. With <c>--out</c>, the table's schema is written beside it as <c>FILE.schema.json</c>
/// so that <c>doctable import</c> can recreate the table elsewhere.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(Option<string?> data, Option<string> table, Option<string?> where)
    {
        var format = FormatOption();
        var output = new Option<string?>("--out", "-o") { Description = "Output file (default: standard output)" };
        var chunk = new Option<int>("--chunk-size") { Description = "Rows per page read from the table", DefaultValueFactory = _ => 5000 };
        var command = new Command("export", "Export a table's rows as CSV or JSON lines") { data, table, where, format, output, chunk };
        command.SetAction((parse, ct) => CommandLine.WithTableAsync(parse, async (grain, terminal) =>
        {
            var schema = await grain.OpenAsync(null, ct);
            var filter = WhereParser.Parse(parse.GetValue(where));
            var total = await grain.CountAsync(filter, ct);
            var path = parse.GetValue(output);
            var columns = schema.Columns.Select(c => c.Name).ToArray();
            var file = path is null ? null : new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 16);
            var writer = file ?? terminal.Output;
            try
            {
                var export = new ExportWriter(writer, parse.GetValue(format) == "csv", columns);
                export.WriteHeader();
                await terminal.ErrorConsole.Progress().StartAsync(async progress =>
                {
                    var task = progress.AddTask($"export {Markup.Escape(parse.GetValue(table)!)}", maxValue: Math.Max(1, total));
                    await foreach (var page in grain.StreamAsync(parse.GetValue(chunk), filter, columns, ct))
                    {
                        foreach (var row in page.Rows) export.WriteRow(row);
                        task.Increment(page.Rows.Count);
                    }
                    task.Value = task.MaxValue;
                });
            }
            finally
            {
                if (file is not null) await file.DisposeAsync();
                else await terminal.Output.FlushAsync(ct);
            }
            if (path is not null) await File.WriteAllTextAsync(path + ".schema.json", TableSchemaJson.Serialize(schema), ct);
        }));
        return command;
    }

    /// <summary>The <c>--format csv|jsonl</c> option shared by export and import.</summary>
    internal static Option<string> FormatOption()
    {
        var format = new Option<string>("--format", "-f") { Description = "csv or jsonl", DefaultValueFactory = _ => "csv" };
        format.AcceptOnlyFromAmong("csv", "jsonl");
        return format;
    }
}
