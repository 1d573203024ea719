using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace DocTable.Orleans.Http;

/// <summary>
/// Writes pages of rows to a response as NDJSON, one JSON object per row and line, a page at a time:
/// memory holds one page. Values are written by column type: Boolean columns as true/false, JSON
/// columns as the JSON value itself, DateTime as its stored text, blobs as base64, ±Infinity and NaN
/// (which JSON numbers cannot express) as the strings "Infinity", "-Infinity" and "NaN".
/// </summary>
internal sealed class NdjsonPages(TableSchema schema) : IDisposable
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly Utf8JsonWriter _json = new(Stream.Null, Options);
    private string[]? _columns;
    private JsonEncodedText[] _names = [];
    private ColumnType?[] _types = [];

    /// <summary>Rows written so far.</summary>
    public long Rows { get; private set; }

    /// <summary>Writes rows <paramref name="skip"/>.. of <paramref name="page"/> (at most <paramref name="take"/>) and sends them.</summary>
    public async Task WriteAsync(Stream body, RowSet page, int skip, long take, CancellationToken cancellationToken)
    {
        Prepare(page.Columns);
        var end = (int)Math.Min(page.Rows.Count, skip + take);
        for (var r = skip; r < end; r++)
        {
            var row = page.Rows[r];
            _json.Reset(_buffer);
            _json.WriteStartObject();
            for (var c = 0; c < row.Length; c++)
            {
                _json.WritePropertyName(_names[c]);
                Value(_types[c], row[c]);
            }
            _json.WriteEndObject();
            _json.Flush();
            _buffer.Write("\n"u8);
            Rows++;
        }
        if (_buffer.WrittenCount == 0) return;
        await body.WriteAsync(_buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await body.FlushAsync(cancellationToken).ConfigureAwait(false);
        _buffer.ResetWrittenCount();
    }

    private void Prepare(string[] columns)
    {
        if (ReferenceEquals(columns, _columns)) return;
        _columns = columns;
        _names = columns.Select(c => JsonEncodedText.Encode(schema.Find(c)?.Name ?? c, Options.Encoder)).ToArray();
        _types = columns.Select(c => schema.Find(c)?.Type).ToArray();
    }

    private void Value(ColumnType? type, object? value)
    {
        switch (value)
        {
            case null:
                _json.WriteNullValue();
                break;
            case long l when type == ColumnType.Boolean:
                _json.WriteBooleanValue(l != 0);
                break;
            case long l:
                _json.WriteNumberValue(l);
                break;
            case double d when double.IsFinite(d):
                _json.WriteNumberValue(d);
                break;
            case double d:
                _json.WriteStringValue(double.IsNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity");
                break;
            case string s when type == ColumnType.Json:
                if (s.AsSpan().IndexOfAny('\n', '\r') < 0)
                {
                    _json.WriteRawValue(s, skipInputValidation: true);
                }
                else
                {
                    using var document = JsonDocument.Parse(s);   // pretty-printed: one line per row
                    document.RootElement.WriteTo(_json);
                }
                break;
            case string s:
                _json.WriteStringValue(s);
                break;
            case byte[] b:
                _json.WriteBase64StringValue(b);
                break;
            default:
                _json.WriteStringValue(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                break;
        }
    }

    /// <inheritdoc/>
    public void Dispose() => _json.Dispose();
}
