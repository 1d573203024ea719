namespace DocTable.Orleans.Wire;

/// <summary>
/// The answer to a <see cref="GrainCall"/>: the method's result, or a typed error (its
/// <see cref="DocTableException.Code"/> and message) that the caller rethrows as the same type.
/// </summary>
public static class GrainReply
{
    private const byte Ok = 0;
    private const byte Error = 1;

    /// <summary>Encodes a successful result.</summary>
    public static byte[] Success(object? result)
    {
        var writer = new WireWriter();
        writer.WriteByte(Ok);
        writer.WriteValue(result);
        return writer.ToArray();
    }

    /// <summary>Encodes an error.</summary>
    public static byte[] Failure(string code, string message)
    {
        var writer = new WireWriter();
        writer.WriteByte(Error);
        writer.WriteString(code);
        writer.WriteString(message);
        return writer.ToArray();
    }

    /// <summary>Decodes a reply: returns the result or throws the typed error it carries.</summary>
    public static object? Decode(byte[] bytes)
    {
        var reader = new WireReader(bytes);
        return reader.ReadByte() switch
        {
            Ok => reader.ReadValue(),
            Error => throw DocTableException.FromCode(reader.ReadString(), reader.ReadString()),
            var other => throw new MalformedMessageException($"Unknown reply status {other}."),
        };
    }
}
