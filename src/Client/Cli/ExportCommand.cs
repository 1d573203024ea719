using System.CommandLine;
using System.Text;
using DocTable.Orleans.Client.Cli.Transfer;
using DocTable.Orleans.Grains.Storage;
using Spectre.Console;

namespace DocTable.Orleans.Client.Cli;

/// <summary>
/// <c>doctable export --data DIR --table T [--format csv|jsonl] [--out FILE]</c>: streams the table through
/// its grain in keyset pages (never loaded whole) to a file or standard output, with a progress bar on
/// standard error. With <c>--out</c>, the table's schema is written beside it as <c>FILE.schema.json</c>
/// so that <c>doctable import</c> can recreate the table elsewhere.
/// </summary>
internal static class ExportCommand
{
    public static Command Create(Option<string?> data, Option<string> table, Option<string?> where)
    {
        var format = FormatOption("csv or jsonl (default: from the --out file's extension, else csv)");
        var output = new Option<string?>("--out", "-o") { Description = "Output file (default: standard output)" };
        var chunk = new Option<int>("--chunk-size") { Description = "Rows per page read from the table", DefaultValueFactory = _ => 5000, CustomParser = WholeNumber.AtLeast(1) };
        var command = new Command("export", "Export a table's rows as CSV or JSON lines") { data, table, where, format, output, chunk };
        command.SetAction((parse, ct) => CommandLine.WithTableAsync(parse, async (grain, terminal) =>
        {
            var schema = await grain.OpenAsync(null, ct);
            var filter = WhereParser.Parse(parse.GetValue(where));
            var total = await grain.CountAsync(filter, ct);
            var path = parse.GetValue(output);
            var csv = (parse.GetValue(format) ?? (path is null ? null : FormatOf(path)) ?? "csv") == "csv";
            var columns = schema.Columns.Select(c => c.Name).ToArray();
            var file = path is null ? null : new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 16);
            var writer = file ?? terminal.Output;
            try
            {
                var export = new ExportWriter(writer, csv, columns);
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

    /// <summary>The <c>--format csv|jsonl</c> option shared by export and import; left out, <see cref="FormatOf"/> decides.</summary>
    internal static Option<string?> FormatOption(string description)
    {
        var format = new Option<string?>("--format", "-f") { Description = description, HelpName = "csv|jsonl" };
        format.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<string?>() is { } value && value is not ("csv" or "jsonl"))
                result.AddError($"--format takes csv or jsonl (got '{value}').");
        });
        return format;
    }

    /// <summary>The format a file's extension makes clear: .csv is csv; .jsonl, .ndjson and .json are JSON lines; else null.</summary>
    internal static string? FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".csv" => "csv",
        ".jsonl" or ".ndjson" or ".json" => "jsonl",
        _ => null,
    };
}
