using System.Text.Json.Serialization;

namespace DocTable.Orleans.Grains.Storage;

/// <summary>
/// Source-generated JSON for the schema record kept inside each table file. Every non-null value is
/// written: omitting defaults would lose <c>Nullable = false</c>, whose constructor default is true.
/// </summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TableSchema))]
internal sealed partial class SchemaJsonContext : JsonSerializerContext;
