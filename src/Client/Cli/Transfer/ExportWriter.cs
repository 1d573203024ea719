using System.Text;
using System.Text.Json;
using DocTable.Orleans.Transfer;

namespace DocTable.Orleans.Client.Cli.Transfer;

/// <summary>
/// Writes rows of storage values as CSV (header line; NULL as an empty unquoted field, text and
/// blobs (base64) always quoted so that empty ones stay distinct from NULL) or as JSON lines (one object per row).
/// </summary>
internal sealed class ExportWriter(TextWriter output, bool csv, string[] columns)
{
    private readonly System.Buffers.ArrayBufferWriter<byte> _buffer = new();

    /// <summary>Writes the CSV header (nothing for JSON lines).</summary>
    public void WriteHeader()
    {
        if (csv) output.Write(string.Join(",", columns) + "\n");
    }

    /// <summary>Writes one row.</summary>
    public void WriteRow(object?[] row)
    {
        if (csv)
        {
            for (var i = 0; i < row.Length; i++)
            {
                if (i > 0) output.Write(',');
                switch (row[i])
                {
                    case null: break;
                    case string or byte[]: output.Write('"'); output.Write(ValueText.ToText(row[i]!).Replace("\"", "\"\"", StringComparison.Ordinal)); output.Write('"'); break;
                    case var v: output.Write(ValueText.ToText(v)); break;
                }
            }
            output.Write('\n');
            return;
        }
        _buffer.Clear();
        using (var json = new Utf8JsonWriter(_buffer))
        {
            json.WriteStartObject();
            for (var i = 0; i < row.Length; i++)
            {
                json.WritePropertyName(columns[i]);
                ValueText.WriteJson(json, row[i]);
            }
            json.WriteEndObject();
        }
        output.Write(Encoding.UTF8.GetString(_buffer.WrittenSpan));
        output.Write('\n');
    }

}
