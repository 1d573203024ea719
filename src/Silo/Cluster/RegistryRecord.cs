using System.Text.Json;
using System.Text.Json.Serialization;

namespace DocTable.Orleans.Silo.Cluster;

/// <summary>Kinds of registry records.</summary>
public enum RegistryKind
{
    /// <summary>A silo of a failover group is running (announcing is discovery, not membership: nothing expires).</summary>
    Silo,
    /// <summary>A silo stopped gracefully.</summary>
    SiloLeft,
    /// <summary>A table lives in a failover group's data directory. The first record for a table wins.</summary>
    Table,
}

/// <summary>One record of the <see cref="ClusterTopology.Registry"/> stream.</summary>
/// <param name="Kind">What the record says.</param>
/// <param name="Group">Failover group.</param>
/// <param name="Silo">Silo id (silo records).</param>
/// <param name="Table">Table name (table records).</param>
public sealed record RegistryRecord(RegistryKind Kind, string Group, string? Silo = null, string? Table = null)
{
    /// <summary>Encodes the record as JSON.</summary>
    public byte[] Encode() => JsonSerializer.SerializeToUtf8Bytes(this, ClusterJsonContext.Default.RegistryRecord);

    /// <summary>Decodes a record, or null if the bytes are not one.</summary>
    public static RegistryRecord? TryDecode(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return JsonSerializer.Deserialize(bytes, ClusterJsonContext.Default.RegistryRecord);
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>A placement or lookup request: where does <paramref name="Table"/> live (placing it if <paramref name="Create"/>)?</summary>
public sealed record PlacementRequest(string Table, bool Create);

/// <summary>Answer to a <see cref="PlacementRequest"/>: the table's group, or an error code and message.</summary>
public sealed record PlacementReply(string? Group, string? ErrorCode = null, string? Error = null);

/// <summary>Source-generated JSON for the cluster's control messages.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RegistryRecord))]
[JsonSerializable(typeof(PlacementRequest))]
[JsonSerializable(typeof(PlacementReply))]
public sealed partial class ClusterJsonContext : JsonSerializerContext;
