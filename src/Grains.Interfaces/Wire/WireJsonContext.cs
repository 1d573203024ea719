using System.Text.Json.Serialization;

namespace DocTable.Orleans.Wire;

/// <summary>
/// Source-generated JSON for the wire's rarely sent, richly shaped values (schemas with their
/// constraints, clean reports); batches, rows and filters use the binary tags instead. Every non-null
/// value is written (omitting defaults would lose <c>Nullable = false</c>).
/// </summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TableSchema))]
[JsonSerializable(typeof(CleanReport))]
internal sealed partial class WireJsonContext : JsonSerializerContext;
