using System.Text.Json.Serialization;

namespace DocTable.Orleans.Grains.Storage;

/// <summary>Source-generated JSON for the schema record kept inside each table file.</summary>
[JsonSourceGenerationOptions(UseStringEnumConverter = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(TableSchema))]
internal sealed partial class SchemaJsonContext : JsonSerializerContext;
