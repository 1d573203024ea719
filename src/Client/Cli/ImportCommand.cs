using System.CommandLine;
using DocTable.Orleans.Client.Cli.Transfer;
using DocTable.Orleans.Grains.Storage;
using Spectre.Console;

namespace DocTable.Orleans.Client.Cli;

/// <summary>
/// <c>doctable import --data DIR --table T [--format csv|jsonl] FILE</c>: reads a file written by
/// <c>doctable export</c> into a table through a queue inserter, with a progress bar. The file is
/// checked whole first (types per column, NULLs, CSV/JSON syntax; errors name line and column) and
/// nothing is written unless it all converts. A missing table is created from <c>--schema</c> (default
/// <c>FILE.schema.json</c>). The table sets id/added/updated columns anew. Without <c>--format</c> the
/// file's extension decides (.csv; .jsonl, .ndjson or .json for JSON lines); any other asks for it.
/// </summary>
internal static class ImportCommand
{
    public static Command Create(Option<string?> data, Option<string> table)
    {
        var format = ExportCommand.FormatOption("csv or jsonl (default: from the file's extension: .csv, or .jsonl/.ndjson/.json for JSON lines)");
        var file = new Argument<string>("file") { Description = "File to import" };
        var schemaFile = new Option<string?>("--schema") { Description = "Schema JSON used to create a missing table (default: FILE.schema.json)" };
        var chunk = new Option<int>("--chunk-size") { Description = "Rows per insert chunk", DefaultValueFactory = _ => 5000, CustomParser = WholeNumber.AtLeast(1) };
        var command = new Command("import", "Import rows from a CSV or JSON-lines export") { data, table, format, schemaFile, chunk, file };
        command.SetAction(async (parse, ct) =>
        {
            var terminal = Terminal.For(parse);
            try
            {
                var name = Identifier.Validate(parse.GetValue(table), "table");
                var path = parse.GetValue(file)!;
                if (!File.Exists(path))
                    throw new DocTableException($"{Path.GetFullPath(path)} {(Directory.Exists(path) ? "is a directory; import takes a file" : "does not exist")}.");
                var kind = parse.GetValue(format) ?? ExportCommand.FormatOf(path)
                    ?? throw new DocTableException($"Cannot tell the format of {path} from its extension; pass --format csv or --format jsonl.");
                await using var client = await CommandLine.OpenClientAsync(parse);
                var grain = client.GrainFactory.GetGrain<ITableGrain>(name);
                var (schema, create) = await SchemaAsync(grain, parse.GetValue(schemaFile) ?? path + ".schema.json", ct);
                var source = ImportSource.Open(path, kind, schema);

                var total = 0L;
                foreach (var _ in source.Rows()) total++; // the whole file converts, or nothing is written
                if (create) await grain.OpenAsync(schema, ct);
                var imported = await InsertAsync(terminal, client, name, source, parse.GetValue(chunk), total, ct);
                terminal.Error.WriteLine($"Imported {imported} rows into {name}.");
                return 0;
            }
            catch (Exception e) when (e is DocTableException or IOException or UnauthorizedAccessException)
            {
                return terminal.Fail(e);
            }
        });
        return command;
    }

    private static async Task<(TableSchema Schema, bool Create)> SchemaAsync(ITableGrain grain, string schemaPath, CancellationToken ct)
    {
        try
        {
            return (await grain.OpenAsync(null, ct), false);
        }
        catch (UnknownTableException e)
        {
            if (!File.Exists(schemaPath))
                throw new UnknownTableException($"{e.Message.Split(';')[0].TrimEnd('.')}, and there is no schema file {Path.GetFullPath(schemaPath)} to create it from; pass --schema FILE (export writes one with --out).");
            return (TableSchemaJson.Deserialize(await File.ReadAllTextAsync(schemaPath, ct)), true);
        }
    }

    private static async Task<long> InsertAsync(Terminal terminal, DocTableClient client, string table, ImportSource source, int chunkSize, long total, CancellationToken ct)
    {
        if (chunkSize < 1) throw new InvalidQueryException("--chunk-size must be at least 1.");
        var inserter = client.GrainFactory.GetGrain<IQueueInserterGrain>($"import-{Guid.NewGuid():N}/{table}");
        var options = new QueueInserterOptions(table, source.Columns, chunkSize);
        Task Insert(List<object?[]> rows) => inserter.InsertAsync(new RowBatch(source.Columns, rows), options, ct);
        long done = 0;
        await terminal.ErrorConsole.Progress().StartAsync(async progress =>
        {
            var task = progress.AddTask($"import {Markup.Escape(table)}", maxValue: Math.Max(1, total));
            var chunk = new List<object?[]>(chunkSize);
            foreach (var (_, row) in source.Rows())
            {
                chunk.Add(row);
                if (chunk.Count < chunkSize) continue;
                await Insert(chunk);
                done += chunk.Count;
                task.Increment(chunk.Count);
                chunk = new List<object?[]>(chunkSize);
            }
            if (chunk.Count > 0) await Insert(chunk);
            await inserter.FlushAsync(ct);
            done += chunk.Count;
            task.Value = task.MaxValue;
        });
        return done;
    }
}
