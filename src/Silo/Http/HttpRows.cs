using System.Globalization;
using System.Text;
using System.Text.Json;
using DocTable.Orleans.Transfer;

namespace DocTable.Orleans.Http;

/// <summary>
/// Request bodies to rows: NDJSON (one JSON object per line) or CSV (a header line naming the columns)
/// become one <see cref="RowBatch"/> of storage values, checked against the table's schema before
/// anything is sent to the table. Every error names its line (<see cref="LineError"/>): a line that is
/// not JSON, a column the table lacks or sets itself, a value of the wrong type, NULL in a NOT NULL
/// column. A column a row leaves out takes the column's default (NULL when it has none).
/// </summary>
internal static class HttpRows
{
    /// <summary>Reads an NDJSON body; blank lines are skipped.</summary>
    public static RowBatch Ndjson(ReadOnlyMemory<byte> body, TableSchema schema, string table)
    {
        var span = body.Span;
        if (span.StartsWith("\uFEFF"u8)) span = span[3..];
        var batch = new Builder(schema, table);
        long line = 0;
        while (true)
        {
            line++;
            var newline = span.IndexOf((byte)'\n');
            var text = newline < 0 ? span : span[..newline];
            if (text.Length > 0 && text[^1] == '\r') text = text[..^1];
            if (!text.Trim(" \t"u8).IsEmpty) ReadObject(text, line, batch);
            if (newline < 0) break;
            span = span[(newline + 1)..];
        }
        return batch.Finish("NDJSON: one JSON object per line, e.g. {\"process\": \"AB\", \"number\": 1}");
    }

    /// <summary>Reads a CSV body: a header line, then one record per row (RFC 4180; an empty unquoted field is NULL).</summary>
    public static RowBatch Csv(ReadOnlyMemory<byte> body, TableSchema schema, string table)
    {
        using var reader = new StreamReader(new MemoryStream(body.ToArray(), writable: false), Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        var csv = new CsvReader(reader);
        var batch = new Builder(schema, table);
        List<(string Text, bool Quoted)> header;
        try
        {
            if (!csv.TryRead(out header)) throw new MalformedMessageException("The body is empty: CSV starts with a header line naming the columns; nothing was written.");
        }
        catch (MalformedMessageException e)
        {
            throw new LineError(1, e);
        }
        var slots = header.Select(h => batch.Slot(h.Text.Trim(), 1, fromHeader: true)).ToArray();
        while (true)
        {
            List<(string Text, bool Quoted)> fields;
            try
            {
                if (!csv.TryRead(out fields)) break;
            }
            catch (MalformedMessageException e)
            {
                throw new LineError(csv.RecordLine, e);
            }
            var line = csv.RecordLine;
            if (fields.Count == 1 && fields[0] is { Text: "", Quoted: false } && slots.Length > 1) continue; // a blank line
            if (fields.Count != slots.Length)
                throw new LineError(line, new MalformedMessageException($"Line {line}: {fields.Count} fields for {slots.Length} columns; nothing was written."));
            var row = batch.NewRow(line);
            for (var i = 0; i < fields.Count; i++)
            {
                var column = batch.Column(slots[i]);
                var (text, quoted) = fields[i];
                try
                {
                    row[slots[i]] = text.Length == 0 && !quoted ? null : ValueText.FromText(column, text, line);
                }
                catch (ColumnTypeException e)
                {
                    throw new LineError(line, e);
                }
            }
        }
        return batch.Finish("CSV: a header line naming the columns, then one line per row");
    }

    /// <summary>Reads a JSON object of column values (an update's <c>SET</c>), converted to the columns' storage values.</summary>
    public static Dictionary<string, object?> Values(ReadOnlyMemory<byte> body, TableSchema schema, string table)
    {
        var batch = new Builder(schema, table);
        ReadObject(body.Span, 1, batch);
        var row = batch.Rows.Count == 1 ? batch.Rows[0] : throw new LineError(1, new MalformedMessageException("An update takes one JSON object of column values, e.g. {\"process\": \"XX\"}; nothing was changed."));
        var values = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < row.Length; i++) values[batch.Column(i).Name] = row[i];
        return values;
    }

    private static void ReadObject(ReadOnlySpan<byte> text, long line, Builder batch)
    {
        var reader = new Utf8JsonReader(text);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new LineError(line, new MalformedMessageException($"Line {line}: a JSON object is expected, e.g. {{\"process\": \"AB\", \"number\": 1}}; nothing was written."));
            batch.NewRow(line);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var slot = batch.Slot(ref reader, line);
                reader.Read();
                batch.Set(slot, Value(ref reader, text, batch, slot, line), line);
            }
            while (reader.Read()) { } // anything after the object is a JsonException
        }
        catch (JsonException e)
        {
            throw new LineError(line, new MalformedMessageException($"Line {line}: not valid JSON ({e.Message}); nothing was written."));
        }
    }

    /// <summary>The storage value, for the column in <paramref name="slot"/> of <paramref name="batch"/>, of the JSON value at the reader.</summary>
    private static object? Value(ref Utf8JsonReader reader, ReadOnlySpan<byte> source, Builder batch, int slot, long line)
    {
        var column = batch.Column(slot);
        var token = reader.TokenType;
        if (token == JsonTokenType.Null) return null;
        if (column.Type == ColumnType.Json)
        {
            // A JSON column takes the value itself (an object, a list, a number, a string) and stores its text.
            var start = (int)reader.TokenStartIndex;
            if (token is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
            return Encoding.UTF8.GetString(source[start..(int)reader.BytesConsumed]);
        }
        object? value = (column.Type, token) switch
        {
            (ColumnType.Int32, JsonTokenType.Number) => reader.TryGetInt32(out var i) ? (long)i : null,
            (ColumnType.Int64, JsonTokenType.Number) => reader.TryGetInt64(out var l) ? l : null,
            (ColumnType.Boolean, JsonTokenType.True) => 1L,
            (ColumnType.Boolean, JsonTokenType.False) => 0L,
            (ColumnType.Boolean, JsonTokenType.Number) => reader.TryGetInt64(out var b) && b is 0 or 1 ? b : null,
            (ColumnType.Real, JsonTokenType.Number) => reader.TryGetDouble(out var d) ? d : null,
            (ColumnType.Real, JsonTokenType.String) => reader.GetString() switch
            {
                "Infinity" => double.PositiveInfinity,
                "-Infinity" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => null,
            },
            (ColumnType.Text or ColumnType.TextFile, JsonTokenType.String) => batch.Text(ref reader, slot),
            (ColumnType.DateTime, JsonTokenType.String) => ValueText.DateTime(reader.GetString()!),
            (ColumnType.Blob or ColumnType.BlobFile, JsonTokenType.String) => ValueText.Base64(reader.GetString()!),
            _ => null,
        };
        if (value is not null) return value;
        var start2 = (int)reader.TokenStartIndex;
        if (token is JsonTokenType.StartObject or JsonTokenType.StartArray) reader.Skip();
        var raw = Encoding.UTF8.GetString(source[start2..(int)reader.BytesConsumed]);
        var what = token switch
        {
            JsonTokenType.StartObject => "a JSON object",
            JsonTokenType.StartArray => "a JSON list",
            JsonTokenType.String => $"the JSON string {Shorten(raw)}",
            JsonTokenType.Number => $"the JSON number {Shorten(raw)}",
            _ => $"the JSON {raw}",
        };
        throw new LineError(line, new ColumnTypeException($"Line {line}, column '{column.Name}': {what} is not a valid {column.Type} value{Hint(column.Type)}; nothing was written."));
    }

    private static string Hint(ColumnType type) => type switch
    {
        ColumnType.Int32 or ColumnType.Int64 => " (a whole number)",
        ColumnType.Boolean => " (true, false, 1 or 0)",
        ColumnType.Real => " (a number)",
        ColumnType.DateTime => " (text such as \"2024-05-01T12:00:00\", UTC unless it says otherwise)",
        ColumnType.Blob or ColumnType.BlobFile => " (base64 text)",
        _ => " (text)",
    };

    private static string Shorten(string s) => s.Length > 40 ? s[..40] + "…" : s;

    /// <summary>Collects rows whose columns appear as they are met; cells a row leaves out are filled in at the end.</summary>
    private sealed class Builder(TableSchema schema, string table)
    {
        private static readonly object Missing = new();
        private readonly List<ColumnDef> _columns = [];
        private readonly List<(byte[] Utf8, int Slot)> _names = [];   // names as written in the body, for matching without a string per row
        private readonly List<long> _lines = [];
        private readonly List<string?> _lastText = [];

        public List<object?[]> Rows { get; } = [];

        public ColumnDef Column(int slot) => _columns[slot];

        /// <summary>The text at the reader; a short text equal to the column's previous one is that same string (a producer's name on every row is allocated once).</summary>
        public string Text(ref Utf8JsonReader reader, int slot)
        {
            if (slot < _lastText.Count && _lastText[slot] is { } last && reader.ValueTextEquals(last)) return last;
            var text = reader.GetString()!;
            while (_lastText.Count <= slot) _lastText.Add(null);
            _lastText[slot] = text.Length <= 64 ? text : null;
            return text;
        }

        public object?[] NewRow(long line)
        {
            var row = new object?[_columns.Count];
            Array.Fill(row, Missing);
            Rows.Add(row);
            _lines.Add(line);
            return row;
        }

        /// <summary>The slot of the property name at the reader.</summary>
        public int Slot(ref Utf8JsonReader reader, long line)
        {
            foreach (var (utf8, slot) in _names)
                if (reader.ValueTextEquals(utf8)) return slot;
            var name = reader.GetString()!;
            var found = Slot(name, line, fromHeader: false);
            _names.Add((Encoding.UTF8.GetBytes(name), found));
            return found;
        }

        public int Slot(string name, long line, bool fromHeader)
        {
            var column = schema.Find(name)
                ?? throw new LineError(line, new UnknownColumnException($"Line {line}: the column '{name}' does not exist in table '{table}' (its columns: {string.Join(", ", schema.Columns.Select(c => c.Name))}); nothing was written."));
            if (!column.IsWritable)
                throw new LineError(line, new InvalidQueryException($"Line {line}: the column '{column.Name}' is the table's {column.Role} column, which the table sets; leave it out; nothing was written."));
            var slot = _columns.IndexOf(column);
            if (slot >= 0)
            {
                if (fromHeader) throw new LineError(line, new MalformedMessageException($"Line {line}: the column '{column.Name}' is named twice; nothing was written."));
                return slot;
            }
            _columns.Add(column);
            return _columns.Count - 1;
        }

        /// <summary>Sets a cell of the last row, widening it when the column is new.</summary>
        public void Set(int slot, object? value, long line)
        {
            var row = Rows[^1];
            if (slot >= row.Length)
            {
                var old = row.Length;
                Array.Resize(ref row, _columns.Count);
                Array.Fill(row, Missing, old, row.Length - old);
                Rows[^1] = row;
            }
            if (!ReferenceEquals(row[slot], Missing))
                throw new LineError(line, new MalformedMessageException($"Line {line}: the column '{_columns[slot].Name}' is given twice; nothing was written."));
            row[slot] = value;
        }

        /// <summary>The batch: cells left out take the column default; NULL where the column forbids it is refused here, with its line.</summary>
        public RowBatch Finish(string format)
        {
            if (Rows.Count == 0) throw new MalformedMessageException($"The body holds no rows; send {format}.");
            if (_columns.Count == 0)
            {
                // Every row is {}: each takes every default, which the first settable column carries.
                _columns.Add(schema.Columns.FirstOrDefault(c => c.IsWritable)
                    ?? throw new MalformedMessageException($"The rows set no column, and table '{table}' has none a row can set; nothing was written."));
            }
            var width = _columns.Count;
            var defaults = new object?[width];
            var known = new bool[width];
            for (var r = 0; r < Rows.Count; r++)
            {
                var row = Rows[r];
                if (row.Length < width)
                {
                    var old = row.Length;
                    Array.Resize(ref row, width);
                    Array.Fill(row, Missing, old, width - old);
                    Rows[r] = row;
                }
                for (var c = 0; c < width; c++)
                {
                    if (ReferenceEquals(row[c], Missing))
                    {
                        if (!known[c])
                        {
                            defaults[c] = DefaultOf(_columns[c]);
                            known[c] = true;
                        }
                        row[c] = defaults[c];
                    }
                    if (row[c] is null && !_columns[c].Nullable)
                        throw new LineError(_lines[r], new NullValueException($"Line {_lines[r]}, column '{_columns[c].Name}': the column does not allow NULL{(_columns[c].DefaultSql is null ? " and has no default" : "")}; nothing was written."));
                }
            }
            return new RowBatch(_columns.Select(c => c.Name).ToArray(), Rows);
        }

        /// <summary>The storage value of a column's default literal (a number, 'text', X'hex' or NULL).</summary>
        private static object? DefaultOf(ColumnDef column)
        {
            var sql = column.DefaultSql;
            if (sql is null || sql.Equals("NULL", StringComparison.OrdinalIgnoreCase)) return null;
            if (sql[0] == '\'') return sql[1..^1].Replace("''", "'", StringComparison.Ordinal);
            if (sql[0] is 'x' or 'X') return Convert.FromHexString(sql.AsSpan(2, sql.Length - 3));
            return long.TryParse(sql, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)
                ? l
                : (object)double.Parse(sql, NumberStyles.Float, CultureInfo.InvariantCulture);
        }
    }
}
