using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Orleans.Serialization.Buffers;
using Orleans.Serialization.Codecs;
using Orleans.Serialization.WireProtocol;

namespace DocTable.Orleans;

/// <summary>
/// The wire form of <see cref="RowBatch"/> and <see cref="RowSet"/> between processes: column names,
/// then the rows' storage values one after another, each as a one-byte tag and a compact value
/// (zig-zag varint integers, 8-byte doubles, UTF-8 text, raw bytes). Text repeated within one batch
/// (a producer's name on every row) is sent once and then referred to by number. Orleans' general
/// object codec would write a type header per value; this writes one byte.
/// </summary>
internal static class RowsEncoding
{
    private const byte TagNull = 0, TagInteger = 1, TagReal = 2, TagText = 3, TagTextAgain = 4, TagBytes = 5;
    private const int MaxSharedText = 64;   // longer texts are rarely repeated: not worth a lookup

    /// <summary>Writes columns and rows as one length-prefixed field body.</summary>
    public static void Write<TBufferWriter>(ref Writer<TBufferWriter> writer, string[] columns, List<object?[]> rows, long? lastRowId)
        where TBufferWriter : IBufferWriter<byte>
    {
        var buffer = new Encoder();
        try
        {
            buffer.VarUInt((ulong)columns.Length);
            foreach (var column in columns) buffer.Text(column);
            buffer.VarUInt((ulong)rows.Count);
            var shared = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var row in rows)
            {
                if (row is null) throw new MalformedMessageException("A batch holds a null row; nothing was sent.");
                buffer.VarUInt((ulong)row.Length);
                foreach (var value in row) buffer.Value(value, shared);
            }
            buffer.Byte(lastRowId is null ? (byte)0 : (byte)1);
            if (lastRowId is { } last) buffer.VarInt(last);
            writer.WriteVarUInt32((uint)buffer.Length);
            writer.Write(buffer.Written);
        }
        finally
        {
            buffer.Dispose();
        }
    }

    /// <summary>Reads what <see cref="Write"/> wrote.</summary>
    public static (string[] Columns, List<object?[]> Rows, long? LastRowId) Read<TInput>(ref Reader<TInput> reader)
    {
        var length = (int)reader.ReadVarUInt32();
        if (reader.TryReadBytes(length, out var span)) return Decode(span);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            reader.ReadBytes(rented.AsSpan(0, length));
            return Decode(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static (string[], List<object?[]>, long?) Decode(ReadOnlySpan<byte> data)
    {
        var decoder = new Decoder(data);
        var columns = new string[decoder.Count()];
        for (var i = 0; i < columns.Length; i++) columns[i] = decoder.Text();
        var count = decoder.Count();
        var rows = new List<object?[]>(count);
        var shared = new List<string>();
        for (var r = 0; r < count; r++)
        {
            var row = new object?[decoder.Count()];
            for (var c = 0; c < row.Length; c++) row[c] = decoder.Value(shared);
            rows.Add(row);
        }
        long? lastRowId = decoder.Byte() == 1 ? decoder.VarInt() : null;
        return (columns, rows, lastRowId);
    }

    /// <summary>Appends to a pooled buffer.</summary>
    private struct Encoder() : IDisposable
    {
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(4096);

        public int Length { get; private set; }

        public readonly ReadOnlySpan<byte> Written => _buffer.AsSpan(0, Length);

        public void Value(object? value, Dictionary<string, int> shared)
        {
            switch (value)
            {
                case null:
                    Byte(TagNull);
                    break;
                case long l:
                    Byte(TagInteger);
                    VarInt(l);
                    break;
                case double d:
                    Byte(TagReal);
                    BinaryPrimitives.WriteDoubleLittleEndian(Room(8), d);
                    Length += 8;
                    break;
                case string s when s.Length <= MaxSharedText && shared.TryGetValue(s, out var index):
                    Byte(TagTextAgain);
                    VarUInt((ulong)index);
                    break;
                case string s:
                    if (s.Length <= MaxSharedText) shared[s] = shared.Count;
                    Byte(TagText);
                    this.Text(s);
                    break;
                case byte[] b:
                    Byte(TagBytes);
                    VarUInt((ulong)b.Length);
                    b.CopyTo(Room(b.Length));
                    Length += b.Length;
                    break;
                default:
                    throw new ColumnTypeException($"A value of type {value.GetType().Name} is not a storage value (long, double, string, byte[] or null); nothing was sent.");
            }
        }

        public void Text(string s)
        {
            var bytes = Encoding.UTF8.GetByteCount(s);
            VarUInt((ulong)bytes);
            Length += Encoding.UTF8.GetBytes(s, Room(bytes));
        }

        public void VarInt(long value) => VarUInt((ulong)((value << 1) ^ (value >> 63)));

        public void VarUInt(ulong value)
        {
            var span = Room(10);
            var i = 0;
            while (value >= 0x80)
            {
                span[i++] = (byte)(value | 0x80);
                value >>= 7;
            }
            span[i++] = (byte)value;
            Length += i;
        }

        public void Byte(byte value)
        {
            Room(1)[0] = value;
            Length++;
        }

        private Span<byte> Room(int bytes)
        {
            if (Length + bytes > _buffer.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_buffer.Length * 2, Length + bytes));
                _buffer.AsSpan(0, Length).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = bigger;
            }
            return _buffer.AsSpan(Length, bytes);
        }

        public readonly void Dispose() => ArrayPool<byte>.Shared.Return(_buffer);
    }

    /// <summary>Reads from a span; any inconsistency is a <see cref="MalformedMessageException"/>.</summary>
    private ref struct Decoder(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _at;

        public object? Value(List<string> shared)
        {
            switch (Byte())
            {
                case TagNull:
                    return null;
                case TagInteger:
                    return VarInt();
                case TagReal:
                    var d = BinaryPrimitives.ReadDoubleLittleEndian(Take(8));
                    return d;
                case TagText:
                    var s = this.Text();
                    if (s.Length <= MaxSharedText) shared.Add(s);
                    return s;
                case TagTextAgain:
                    var index = VarUInt();
                    return index < (ulong)shared.Count ? shared[(int)index] : throw Malformed();
                case TagBytes:
                    return Take(Count()).ToArray();
                default:
                    throw Malformed();
            }
        }

        public string Text() => Encoding.UTF8.GetString(Take(Count()));

        public int Count()
        {
            var n = VarUInt();
            return n <= (ulong)(_data.Length - _at) || n <= 1 ? (int)n : throw Malformed();
        }

        public long VarInt()
        {
            var raw = VarUInt();
            return (long)(raw >> 1) ^ -(long)(raw & 1);
        }

        public ulong VarUInt()
        {
            ulong value = 0;
            for (var shift = 0; shift < 70; shift += 7)
            {
                var b = Byte();
                value |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80) return value;
            }
            throw Malformed();
        }

        public byte Byte() => _at < _data.Length ? _data[_at++] : throw Malformed();

        private ReadOnlySpan<byte> Take(int bytes)
        {
            if (bytes < 0 || _at + bytes > _data.Length) throw Malformed();
            var span = _data.Slice(_at, bytes);
            _at += bytes;
            return span;
        }

        private static MalformedMessageException Malformed() => new("A batch of rows arrived damaged (it ends early or holds an unknown value tag); nothing of it was used.");
    }
}

/// <summary>Orleans codec of <see cref="RowBatch"/> (see <see cref="RowsEncoding"/>).</summary>
[RegisterSerializer]
internal sealed class RowBatchCodec : IFieldCodec<RowBatch>
{
    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, [AllowNull] Type expectedType, [AllowNull] RowBatch value) where TBufferWriter : IBufferWriter<byte>
    {
        if (ReferenceCodec.TryWriteReferenceField(ref writer, fieldIdDelta, expectedType, value)) return;
        writer.WriteFieldHeader(fieldIdDelta, expectedType, typeof(RowBatch), WireType.LengthPrefixed);
        RowsEncoding.Write(ref writer, value.Columns, value.Rows, null);
    }

    public RowBatch ReadValue<TInput>(ref Reader<TInput> reader, Field field)
    {
        if (field.WireType == WireType.Reference) return ReferenceCodec.ReadReference<RowBatch, TInput>(ref reader, field)!;
        field.EnsureWireType(WireType.LengthPrefixed);
        var (columns, rows, _) = RowsEncoding.Read(ref reader);
        var batch = new RowBatch(columns, rows);
        ReferenceCodec.RecordObject(reader.Session, batch);
        return batch;
    }
}

/// <summary>Orleans codec of <see cref="RowSet"/> (see <see cref="RowsEncoding"/>).</summary>
[RegisterSerializer]
internal sealed class RowSetCodec : IFieldCodec<RowSet>
{
    public void WriteField<TBufferWriter>(ref Writer<TBufferWriter> writer, uint fieldIdDelta, [AllowNull] Type expectedType, [AllowNull] RowSet value) where TBufferWriter : IBufferWriter<byte>
    {
        if (ReferenceCodec.TryWriteReferenceField(ref writer, fieldIdDelta, expectedType, value)) return;
        writer.WriteFieldHeader(fieldIdDelta, expectedType, typeof(RowSet), WireType.LengthPrefixed);
        RowsEncoding.Write(ref writer, value.Columns, value.Rows, value.LastRowId);
    }

    public RowSet ReadValue<TInput>(ref Reader<TInput> reader, Field field)
    {
        if (field.WireType == WireType.Reference) return ReferenceCodec.ReadReference<RowSet, TInput>(ref reader, field)!;
        field.EnsureWireType(WireType.LengthPrefixed);
        var (columns, rows, lastRowId) = RowsEncoding.Read(ref reader);
        var set = new RowSet(columns, rows) { LastRowId = lastRowId };
        ReferenceCodec.RecordObject(reader.Session, set);
        return set;
    }
}
