using System.Text;

namespace DocTable.Orleans.Transfer;

/// <summary>
/// Reads RFC 4180 CSV records one at a time (quoted fields may hold commas, quotes and line breaks).
/// Each field tells whether it was quoted, so that an empty quoted field (empty text) differs from an
/// empty unquoted one (NULL).
/// </summary>
public sealed class CsvReader(TextReader reader)
{
    private long _line = 1;

    /// <summary>The line on which the last record read began (1-based).</summary>
    public long RecordLine { get; private set; }

    /// <summary>Reads the next record; false at the end of the input.</summary>
    public bool TryRead(out List<(string Text, bool Quoted)> fields)
    {
        fields = [];
        if (reader.Peek() < 0) return false;
        RecordLine = _line;
        var text = new StringBuilder();
        var quoted = false;
        while (true)
        {
            var c = reader.Read();
            if (c == '"' && text.Length == 0 && !quoted)
            {
                quoted = true;
                ReadQuoted(text);
                continue;
            }
            if (c is ',' or '\n' or '\r' or -1)
            {
                fields.Add((text.ToString(), quoted));
                text.Clear();
                quoted = false;
                if (c == ',') continue;
                if (c == '\r' && reader.Peek() == '\n') reader.Read();
                if (c != -1) _line++;
                return true;
            }
            if (quoted)
                throw new MalformedMessageException($"Line {_line}: text follows the closing quote of a field; quote the whole field and double inner quotes.");
            text.Append((char)c);
        }
    }

    private void ReadQuoted(StringBuilder text)
    {
        var start = _line;
        while (true)
        {
            var c = reader.Read();
            if (c == -1) throw new MalformedMessageException($"Line {start}: a quoted field is never closed.");
            if (c == '"')
            {
                if (reader.Peek() != '"') return;
                reader.Read();
            }
            if (c == '\n') _line++;
            text.Append((char)c);
        }
    }
}
