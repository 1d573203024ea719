using System.Text;
using System.Text.Json;

namespace DocTable.Orleans.Wire;

/// <summary>
/// Reads what <see cref="WireWriter"/> wrote. Anything that does not decode (truncated, unknown tag,
/// counts larger than the message) raises <see cref="MalformedMessageException"/> saying where.
/// </summary>
public sealed class WireReader
{
    private const int MaxDepth = 64;
    private readonly BinaryReader _reader;
    private readonly long _length;
    private int _depth;

    /// <summary>Reads from <paramref name="bytes"/>.</summary>
    public WireReader(byte[] bytes)
    {
        _reader = new BinaryReader(new MemoryStream(bytes, writable: false), Encoding.UTF8);
        _length = bytes.Length;
    }

    /// <summary>True when every byte was read.</summary>
    public bool AtEnd => _reader.BaseStream.Position >= _length;

    /// <summary>Reads a raw byte.</summary>
    public byte ReadByte() => Guard(() => _reader.ReadByte());

    /// <summary>Reads a raw 64-bit integer.</summary>
    public long ReadInt64() => Guard(() => _reader.ReadInt64());

    /// <summary>Reads a raw string.</summary>
    public string ReadString() => Guard(() => _reader.ReadString());

    /// <summary>Reads one tagged value.</summary>
    public object? ReadValue() => Guard(ReadValueCore);

    /// <summary>Reads one tagged value that must be of type <typeparamref name="T"/> (or null).</summary>
    public T? Read<T>() where T : class
        => ReadValue() switch
        {
            null => null,
            T t => t,
            var other => throw new MalformedMessageException($"Expected {typeof(T).Name} on the wire but found {other.GetType().Name}."),
        };

    private T Guard<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is EndOfStreamException or IOException or JsonException or NotSupportedException or FormatException or ArgumentException or InvalidCastException or DecoderFallbackException or OverflowException)
        {
            throw new MalformedMessageException($"The message does not decode at byte {_reader.BaseStream.Position}: {e.Message}", e);
        }
        catch (DocTableException e) when (e is not MalformedMessageException)
        {
            throw new MalformedMessageException($"The message carries an invalid value: {e.Message}", e);
        }
    }

    private object? ReadValueCore()
    {
        if (++_depth > MaxDepth) throw new MalformedMessageException("The message nests values too deeply.");
        try
        {
            var tag = (WireTag)_reader.ReadByte();
            return tag switch
            {
                WireTag.Null => null,
                WireTag.Int64 => _reader.ReadInt64(),
                WireTag.Int32 => _reader.ReadInt32(),
                WireTag.Double => _reader.ReadDouble(),
                WireTag.String => _reader.ReadString(),
                WireTag.Bytes => _reader.ReadBytes(Count(1)),
                WireTag.Bool => _reader.ReadBoolean(),
                WireTag.RowBatch => ReadRows((c, r) => new RowBatch(c, r)),
                WireTag.RowSet => ReadRows((c, r) => new RowSet(c, r) { LastRowId = NullableInt64() }),
                WireTag.Schema => ReadJson(WireJsonContext.Default.TableSchema),
                WireTag.CleanReport => ReadJson(WireJsonContext.Default.CleanReport),
                WireTag.AggregateQuery => ReadAggregateQuery(),
                WireTag.InsertOptions => new InsertOptions(Enum<OnConflict>(_reader.ReadByte()), Nullable<string>(), _reader.ReadInt64()),
                WireTag.SelectQuery => ReadQuery(),
                WireTag.Filter => ReadFilter(),
                WireTag.WriteResult => new WriteResult(Nullable<long[]>() ?? [], _reader.ReadInt64(), Task.CompletedTask, _reader.ReadBoolean()),
                WireTag.Int64Array => ReadArray(8, () => _reader.ReadInt64()),
                WireTag.StringArray => ReadArray(1, () => _reader.ReadString()),
                WireTag.Map => ReadMap(),
                WireTag.Array => ReadArray(1, ReadValueCore),
                _ => throw new MalformedMessageException($"Unknown value tag {(byte)tag} at byte {_reader.BaseStream.Position - 1}."),
            };
        }
        finally
        {
            _depth--;
        }
    }

    private T? Nullable<T>() where T : class
        => ReadValueCore() switch
        {
            null => null,
            T t => t,
            var other => throw new MalformedMessageException($"Expected {typeof(T).Name} on the wire but found {other.GetType().Name}."),
        };

    private T ReadRows<T>(Func<string[], List<object?[]>, T> create)
    {
        var columns = ReadArray(1, () => _reader.ReadString());
        var count = Count(Math.Max(1, columns.Length));
        var rows = new List<object?[]>(count);
        for (var r = 0; r < count; r++)
        {
            var row = new object?[columns.Length];
            for (var c = 0; c < row.Length; c++)
            {
                var v = ReadValueCore();
                if (v is not (null or long or double or string or byte[]))
                    throw new MalformedMessageException($"Row {r} column '{columns[c]}' holds a {v.GetType().Name}; rows carry only storage values.");
                row[c] = v;
            }
            rows.Add(row);
        }
        return create(columns, rows);
    }

    private T ReadJson<T>(System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type)
        => JsonSerializer.Deserialize(_reader.ReadBytes(Count(1)), type) ?? throw new MalformedMessageException($"Empty {typeof(T).Name} on the wire.");

    private long? NullableInt64() => ReadValueCore() switch
    {
        null => null,
        long n => n,
        var other => throw new MalformedMessageException($"Expected an Int64 or null on the wire but found {other.GetType().Name}."),
    };

    private int? NullableInt32() => ReadValueCore() switch
    {
        null => null,
        int n => n,
        var other => throw new MalformedMessageException($"Expected an Int32 or null on the wire but found {other.GetType().Name}."),
    };

    private AggregateQuery ReadAggregateQuery()
    {
        var aggregates = new Aggregate[Count(2)];
        for (var i = 0; i < aggregates.Length; i++) aggregates[i] = new Aggregate(Enum<AggregateFunction>(_reader.ReadByte()), Nullable<string>());
        return new AggregateQuery(aggregates, Nullable<Filter>(), Nullable<string[]>(), NullableInt32());
    }

    private SelectQuery ReadQuery()
    {
        var columns = Nullable<string[]>();
        var where = Nullable<Filter>();
        var order = new OrderBy[Count(2)];
        for (var i = 0; i < order.Length; i++) order[i] = new OrderBy(_reader.ReadString(), _reader.ReadBoolean());
        var limit = NullableInt32();
        var offset = _reader.ReadInt32();
        return new SelectQuery(columns, where, order.Length == 0 ? null : order, limit, offset, NullableInt64());
    }

    private Filter ReadFilter()
    {
        var kind = _reader.ReadByte();
        return kind switch
        {
            1 => new CompareFilter(_reader.ReadString(), Enum<CompareOp>(_reader.ReadByte()), Required()),
            2 => new InFilter(_reader.ReadString(), Nullable<object?[]>()?.Select(v => v ?? throw new MalformedMessageException("IN values must not be null.")).ToArray() ?? []),
            3 => new BetweenFilter(_reader.ReadString(), Required(), Required()),
            4 => new LikeFilter(_reader.ReadString(), _reader.ReadString()),
            5 => new IsNullFilter(_reader.ReadString(), _reader.ReadBoolean()),
            6 => new AndFilter(ReadArray(2, ReadFilterNested)),
            7 => new OrFilter(ReadArray(2, ReadFilterNested)),
            8 => new NotFilter(ReadFilterNested()),
            _ => throw new MalformedMessageException($"Unknown filter kind {kind}."),
        };
    }

    private Filter ReadFilterNested()
    {
        if (++_depth > MaxDepth) throw new MalformedMessageException("The filter nests too deeply.");
        try { return ReadFilter(); }
        finally { _depth--; }
    }

    private object Required() => ReadValueCore() ?? throw new MalformedMessageException("A filter value must not be null.");

    private Dictionary<string, object?> ReadMap()
    {
        var count = Count(2);
        var map = new Dictionary<string, object?>(count, StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < count; i++) map[_reader.ReadString()] = ReadValueCore();
        return map;
    }

    private T[] ReadArray<T>(int minBytesEach, Func<T> read)
    {
        var items = new T[Count(minBytesEach)];
        for (var i = 0; i < items.Length; i++) items[i] = read();
        return items;
    }

    /// <summary>Reads a count and checks that the rest of the message can hold that many items.</summary>
    private int Count(int minBytesEach)
    {
        var n = _reader.Read7BitEncodedInt();
        var left = _length - _reader.BaseStream.Position;
        if (n < 0 || (long)n * minBytesEach > left)
            throw new MalformedMessageException($"The message announces {n} items but has only {left} bytes left.");
        return n;
    }

    private static T Enum<T>(byte value) where T : struct, Enum
        => System.Enum.IsDefined(typeof(T), (int)value)
            ? (T)System.Enum.ToObject(typeof(T), value)
            : throw new MalformedMessageException($"{value} is not a valid {typeof(T).Name}.");
}
