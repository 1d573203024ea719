using System.Buffers.Binary;
using System.Reflection;

namespace DocTable.Orleans.Wire;

/// <summary>
/// A call of a grain interface method as it travels in one message: the method name and its
/// arguments (every parameter except the <see cref="CancellationToken"/>), plus an optional
/// producer id and sequence number that the receiving silo applies to an insert for exactly-once
/// delivery. Generic over the interface: a method added to <c>ITableGrain</c> travels without code
/// here, as long as its argument and result types are ones <see cref="WireWriter"/> knows.
/// </summary>
/// <remarks>
/// Layout: version byte, 8-byte sequence at a fixed offset (so a publisher can stamp it at the last
/// moment, under its publish lock, without re-encoding), producer id, method name, argument count,
/// tagged arguments.
/// </remarks>
public sealed record GrainCall(string Method, object?[] Arguments, string? ProducerId = null, long Sequence = 0)
{
    private const byte Version = 1;

    /// <summary>Offset of the 8-byte sequence number in an encoded call.</summary>
    public const int SequenceOffset = 1;

    /// <summary>Encodes the call.</summary>
    public byte[] Encode()
    {
        var writer = new WireWriter(64 + Arguments.Length * 16);
        writer.WriteByte(Version);
        writer.WriteInt64(Sequence);
        writer.WriteValue(ProducerId);
        writer.WriteString(Method);
        writer.WriteByte(checked((byte)Arguments.Length));
        foreach (var argument in Arguments) writer.WriteValue(argument);
        return writer.ToArray();
    }

    /// <summary>Overwrites the sequence number of an encoded call.</summary>
    public static void StampSequence(byte[] encoded, long sequence)
        => BinaryPrimitives.WriteInt64LittleEndian(encoded.AsSpan(SequenceOffset, 8), sequence);

    /// <summary>Decodes a call; throws <see cref="MalformedMessageException"/> if it does not decode.</summary>
    public static GrainCall Decode(byte[] bytes)
    {
        var reader = new WireReader(bytes);
        var version = reader.ReadByte();
        if (version != Version) throw new MalformedMessageException($"Unknown call format version {version} (expected {Version}).");
        var sequence = reader.ReadInt64();
        var producer = reader.ReadValue() switch
        {
            null => null,
            string s => s,
            var other => throw new MalformedMessageException($"The producer id must be a string, not {other.GetType().Name}."),
        };
        var method = reader.ReadString();
        var arguments = new object?[reader.ReadByte()];
        for (var i = 0; i < arguments.Length; i++) arguments[i] = reader.ReadValue();
        if (!reader.AtEnd) throw new MalformedMessageException("The message has bytes after the call's last argument.");
        return new GrainCall(method, arguments, producer, sequence);
    }

    /// <summary>The call's arguments for <paramref name="method"/>, with the cancellation token in its place; checks every type.</summary>
    public object?[] BindArguments(MethodInfo method, CancellationToken cancellationToken)
    {
        var parameters = method.GetParameters();
        var bound = new object?[parameters.Length];
        var next = 0;
        for (var i = 0; i < parameters.Length; i++)
        {
            var type = parameters[i].ParameterType;
            if (type == typeof(CancellationToken)) { bound[i] = cancellationToken; continue; }
            if (next >= Arguments.Length)
                throw new MalformedMessageException($"{Method} needs an argument '{parameters[i].Name}' that the message does not carry.");
            var value = Arguments[next++];
            var nullable = !type.IsValueType || System.Nullable.GetUnderlyingType(type) is not null;
            if (value is null ? !nullable : !type.IsInstanceOfType(value))
                throw new MalformedMessageException($"Argument '{parameters[i].Name}' of {Method} must be {type.Name}, not {value?.GetType().Name ?? "null"}.");
            bound[i] = value;
        }
        if (next != Arguments.Length) throw new MalformedMessageException($"{Method} takes {next} arguments but the message carries {Arguments.Length}.");
        return bound;
    }
}
