using System.Text;
using System.Text.Json;

namespace DocTable.Orleans.Wire;

/// <summary>
/// Writes the cluster's compact binary format: every value is one tag byte followed by its payload.
/// Row batches are written column-ordered: the column names once, then each row's values in column
/// order (no names, no JSON). <see cref="WireReader"/> reads it back.
/// </summary>
public sealed class WireWriter
{
    private readonly MemoryStream _stream;
    private readonly BinaryWriter _writer;

    /// <summary>Creates a writer with room for <paramref name="capacity"/> bytes.</summary>
    public WireWriter(int capacity = 256)
    {
        _stream = new MemoryStream(capacity);
        _writer = new BinaryWriter(_stream, Encoding.UTF8, leaveOpen: true);
    }

    /// <summary>Current length in bytes.</summary>
    public int Length => (int)_stream.Length;

    /// <summary>The bytes written so far.</summary>
    public byte[] ToArray()
    {
        _writer.Flush();
        return _stream.ToArray();
    }

    /// <summary>Writes a raw byte.</summary>
    public void WriteByte(byte value) => _writer.Write(value);

    /// <summary>Writes a raw 64-bit integer (fixed 8 bytes, little endian).</summary>
    public void WriteInt64(long value) => _writer.Write(value);

    /// <summary>Writes a raw length-prefixed string (not tagged, not null).</summary>
    public void WriteString(string value) => _writer.Write(value);

    /// <summary>Writes any supported value with its tag.</summary>
    public void WriteValue(object? value)
    {
        switch (value)
        {
            case null: Tag(WireTag.Null); break;
            case long l: Tag(WireTag.Int64); _writer.Write(l); break;
            case int i: Tag(WireTag.Int32); _writer.Write(i); break;
            case double d: Tag(WireTag.Double); _writer.Write(d); break;
            case string s: Tag(WireTag.String); _writer.Write(s); break;
            case byte[] b: Tag(WireTag.Bytes); Count(b.Length); _writer.Write(b); break;
            case bool b: Tag(WireTag.Bool); _writer.Write(b); break;
            case RowBatch batch: Tag(WireTag.RowBatch); WriteRows(batch.Columns, batch.Rows); break;
            case RowSet set: Tag(WireTag.RowSet); WriteRows(set.Columns, set.Rows); WriteValue(set.LastRowId); break;
            case TableSchema schema: Tag(WireTag.Schema); WriteJson(JsonSerializer.SerializeToUtf8Bytes(schema, WireJsonContext.Default.TableSchema)); break;
            case CleanReport report: Tag(WireTag.CleanReport); WriteJson(JsonSerializer.SerializeToUtf8Bytes(report, WireJsonContext.Default.CleanReport)); break;
            case AggregateQuery a:
                Tag(WireTag.AggregateQuery);
                Count(a.Aggregates.Length);
                foreach (var g in a.Aggregates) { _writer.Write((byte)g.Function); WriteValue(g.Column); }
                WriteValue(a.Where);
                WriteValue(a.GroupBy);
                WriteValue(a.Limit);
                break;
            case InsertOptions o:
                Tag(WireTag.InsertOptions);
                _writer.Write((byte)o.OnConflict);
                WriteValue(o.ProducerId);
                _writer.Write(o.Sequence);
                break;
            case SelectQuery q:
                Tag(WireTag.SelectQuery);
                WriteValue(q.Columns);
                WriteValue(q.Where);
                Count(q.OrderBy?.Length ?? 0);
                foreach (var o in q.OrderBy ?? []) { _writer.Write(o.Column); _writer.Write(o.Descending); }
                WriteValue(q.Limit);
                _writer.Write(q.Offset);
                WriteValue(q.AfterRowId);
                break;
            case Filter f: Tag(WireTag.Filter); WriteFilter(f); break;
            case WriteResult r:
                Tag(WireTag.WriteResult);
                WriteValue(r.Ids);
                _writer.Write(r.Affected);
                _writer.Write(r.Duplicate);
                break;
            case long[] ids: Tag(WireTag.Int64Array); Count(ids.Length); foreach (var id in ids) _writer.Write(id); break;
            case string[] names: Tag(WireTag.StringArray); Count(names.Length); foreach (var n in names) _writer.Write(n); break;
            case IReadOnlyDictionary<string, object?> map:
                Tag(WireTag.Map);
                Count(map.Count);
                foreach (var (k, v) in map) { _writer.Write(k); WriteValue(v); }
                break;
            case object?[] array: Tag(WireTag.Array); Count(array.Length); foreach (var v in array) WriteValue(v); break;
            default:
                throw new NotSupportedException($"Values of type {value.GetType().Name} cannot travel over the wire; add them to WireWriter and WireReader.");
        }
    }

    private void WriteRows(string[] columns, List<object?[]> rows)
    {
        Count(columns.Length);
        foreach (var c in columns) _writer.Write(c);
        Count(rows.Count);
        foreach (var row in rows)
        {
            if (row.Length != columns.Length)
                throw new MalformedMessageException($"A row has {row.Length} values for {columns.Length} columns.");
            foreach (var v in row) WriteValue(v);
        }
    }

    private void WriteJson(byte[] json)
    {
        Count(json.Length);
        _writer.Write(json);
    }

    private void WriteFilter(Filter filter)
    {
        switch (filter)
        {
            case CompareFilter c: _writer.Write((byte)1); _writer.Write(c.Column); _writer.Write((byte)c.Op); WriteValue(c.Value); break;
            case InFilter i: _writer.Write((byte)2); _writer.Write(i.Column); WriteValue(i.Values); break;
            case BetweenFilter b: _writer.Write((byte)3); _writer.Write(b.Column); WriteValue(b.Low); WriteValue(b.High); break;
            case LikeFilter l: _writer.Write((byte)4); _writer.Write(l.Column); _writer.Write(l.Pattern); break;
            case IsNullFilter n: _writer.Write((byte)5); _writer.Write(n.Column); _writer.Write(n.Negate); break;
            case AndFilter a: _writer.Write((byte)6); Parts(a.Parts); break;
            case OrFilter o: _writer.Write((byte)7); Parts(o.Parts); break;
            case NotFilter n: _writer.Write((byte)8); WriteFilter(n.Inner); break;
            default: throw new NotSupportedException($"Filter {filter.GetType().Name} cannot travel over the wire.");
        }
    }

    private void Parts(Filter[] parts)
    {
        Count(parts.Length);
        foreach (var p in parts) WriteFilter(p);
    }

    private void Tag(WireTag tag) => _writer.Write((byte)tag);

    private void Count(int n) => _writer.Write7BitEncodedInt(n);
}

/// <summary>Type tags of the wire format.</summary>
public enum WireTag : byte
{
#pragma warning disable CS1591
    Null = 0, Int64, Int32, Double, String, Bytes, Bool,
    RowBatch, RowSet, Schema, InsertOptions, SelectQuery, Filter, WriteResult,
    Int64Array, StringArray, Map, Array, CleanReport, AggregateQuery,
#pragma warning restore CS1591
}
