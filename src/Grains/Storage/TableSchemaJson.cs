using System.Text.Json;

namespace DocTable.Orleans.Grains.Storage;

/// <summary>The JSON form of a <see cref="TableSchema"/>, as stored in each table file (and beside exported files).</summary>
public static class TableSchemaJson
{
    /// <summary>Serializes <paramref name="schema"/>.</summary>
    public static string Serialize(TableSchema schema) => JsonSerializer.Serialize(schema, SchemaJsonContext.Default.TableSchema);

    /// <summary>Reads a schema; the schema's own checks run (names, constraints). Throws <see cref="SchemaException"/> for bad JSON.</summary>
    public static TableSchema Deserialize(string json)
    {
        try
        {
            return JsonSerializer.Deserialize(json, SchemaJsonContext.Default.TableSchema)
                   ?? throw new SchemaException("The schema JSON is null.");
        }
        catch (JsonException e)
        {
            throw new SchemaException($"The schema JSON cannot be read: {e.Message}");
        }
    }
}
