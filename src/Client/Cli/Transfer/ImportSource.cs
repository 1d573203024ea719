using System.Text.Json;
using DocTable.Orleans.Transfer;

namespace DocTable.Orleans.Client.Cli.Transfer;

/// <summary>
/// Rows of an exported file (CSV with a header line, or JSON lines), converted to the storage values of
/// a table's writable columns. The managed id/added/updated columns of the file are skipped (the table
/// sets them). Every call of <see cref="Rows"/> reads the file from its start, so a file can be checked
/// whole before anything is written and then imported with bounded memory.
/// </summary>
internal sealed class ImportSource
{
    private readonly string _path;
    private readonly bool _csv;
    private readonly TableSchema _schema;
    private readonly ColumnDef?[] _fileColumns;

    private ImportSource(string path, bool csv, TableSchema schema, ColumnDef?[] fileColumns)
    {
        _path = path;
        _csv = csv;
        _schema = schema;
        _fileColumns = fileColumns;
        Columns = fileColumns.Where(c => c is not null).Select(c => c!.Name).ToArray();
        Skipped = [.. fileColumns.Select((c, i) => (c, i)).Where(x => x.c is null).Select(x => x.i)];
    }

    /// <summary>The table columns the rows give, in row order.</summary>
    public string[] Columns { get; }

    /// <summary>Positions of file columns that are skipped (managed columns).</summary>
    public IReadOnlyList<int> Skipped { get; }

    /// <summary>Reads the file's columns (CSV header or first JSON line) and checks them against <paramref name="schema"/>.</summary>
    public static ImportSource Open(string path, string format, TableSchema schema)
    {
        var csv = format == "csv";
        using var reader = new StreamReader(path);
        string[] names;
        if (csv)
        {
            if (!new CsvReader(reader).TryRead(out var header)) throw new MalformedMessageException($"{path} is empty; a CSV export starts with a header line.");
            names = header.Select(h => h.Text).ToArray();
        }
        else
        {
            var first = reader.ReadLine() ?? throw new MalformedMessageException($"{path} is empty.");
            if (first.TrimStart().StartsWith('['))
                throw new MalformedMessageException($"{path} starts a JSON array; import reads JSON lines (one object per line), as export --format jsonl writes them.");
            using var document = ParseLine(first, 1);
            names = document.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        }
        var columns = new ColumnDef?[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            var column = schema.Find(names[i]) ?? throw new UnknownColumnException($"The file's column '{names[i]}' does not exist in the table; nothing was imported.");
            if (Array.IndexOf(names, names[i]) != i) throw new MalformedMessageException($"The file names the column '{names[i]}' twice.");
            columns[i] = column.IsWritable ? column : null;
        }
        foreach (var c in schema.Columns)
            if (c.IsWritable && !c.Nullable && c.DefaultSql is null && !columns.Contains(c))
                throw new NullValueException($"The table's column '{c.Name}' is NOT NULL without a default, but the file does not give it; nothing was imported.");
        return new ImportSource(path, csv, schema, columns);
    }

    /// <summary>The rows, with the line each starts on; throws a typed error naming line and column on bad input.</summary>
    public IEnumerable<(long Line, object?[] Row)> Rows()
    {
        using var reader = new StreamReader(_path);
        foreach (var row in _csv ? CsvRows(reader) : JsonRows(reader)) yield return row;
    }

    private IEnumerable<(long, object?[])> CsvRows(StreamReader reader)
    {
        var csv = new CsvReader(reader);
        csv.TryRead(out _);
        while (csv.TryRead(out var fields))
        {
            if (fields.Count == 1 && fields[0] is { Text: "", Quoted: false } && _fileColumns.Length > 1) continue; // blank line
            if (fields.Count != _fileColumns.Length)
                throw new MalformedMessageException($"Line {csv.RecordLine}: {fields.Count} fields for {_fileColumns.Length} columns; nothing was imported.");
            var row = new object?[Columns.Length];
            var k = 0;
            for (var i = 0; i < fields.Count; i++)
            {
                if (_fileColumns[i] is not { } column) continue;
                var (text, quoted) = fields[i];
                row[k++] = text.Length == 0 && !quoted ? Null(column, csv.RecordLine) : ValueText.FromText(column, text, csv.RecordLine);
            }
            yield return (csv.RecordLine, row);
        }
    }

    private IEnumerable<(long, object?[])> JsonRows(StreamReader reader)
    {
        long line = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text)) continue;
            using var document = ParseLine(text, line);
            var row = new object?[Columns.Length];
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var column = _schema.Find(property.Name)
                    ?? throw new UnknownColumnException($"Line {line}: the column '{property.Name}' does not exist in the table; nothing was imported.");
                var k = Array.FindIndex(Columns, c => string.Equals(c, column.Name, StringComparison.OrdinalIgnoreCase));
                if (k < 0) continue; // a managed column, or one the first line did not give
                row[k] = ValueText.FromJson(column, property.Value, line);
            }
            for (var k = 0; k < row.Length; k++)
                if (row[k] is null) Null(_schema.Find(Columns[k])!, line);
            yield return (line, row);
        }
    }

    private static object? Null(ColumnDef column, long line)
        => column.Nullable ? null : throw new NullValueException($"Line {line}, column '{column.Name}': the column does not allow NULL; nothing was imported.");

    private static JsonDocument ParseLine(string text, long line)
    {
        try
        {
            var document = JsonDocument.Parse(text);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                document.Dispose();
                throw new MalformedMessageException($"Line {line}: a JSON object is expected.");
            }
            return document;
        }
        catch (JsonException e)
        {
            throw new MalformedMessageException($"Line {line}: not valid JSON ({e.Message}); nothing was imported.");
        }
    }
}
