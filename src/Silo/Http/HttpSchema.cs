using System.Text.Json;

namespace DocTable.Orleans.Http;

/// <summary>
/// The JSON form of a <see cref="TableSchema"/> on the HTTP API. Read leniently — property names in any
/// case, columns as a list of objects or as an object of <c>name: type</c> pairs, type names with
/// Python-style aliases — so that both <c>{"columns": {"process": "text", "number": "int"}}</c> and the
/// <c>FILE.schema.json</c> that <c>doctable export</c> writes are accepted. Written in one canonical
/// camelCase form. Anything unreadable is a <see cref="SchemaException"/> naming the place.
/// </summary>
internal static class HttpSchema
{
    private static readonly string[] ColumnProperties = ["name", "type", "role", "nullable", "unique", "indexed", "default", "defaultSql"];
    private static readonly string[] ConstraintProperties = ["kind", "name", "columns", "expression", "references", "referencedColumns", "onDelete"];

    /// <summary>Reads a schema from <paramref name="json"/>; the schema's own checks run (names, roles, constraints).</summary>
    public static TableSchema Parse(ReadOnlyMemory<byte> json)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new SchemaException($"The schema is not valid JSON ({e.Message}).");
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new SchemaException("A schema is a JSON object: {\"columns\": {\"process\": \"text\", \"number\": \"int\"}}.");
            Only(root, ["columns", "constraints"], "the schema");
            var columns = new List<ColumnDef>();
            switch (Property(root, "columns"))
            {
                case { ValueKind: JsonValueKind.Array } list:
                    foreach (var item in list.EnumerateArray())
                        columns.Add(item.ValueKind == JsonValueKind.Object ? Column(item, null) : throw new SchemaException("Each entry of \"columns\" is an object with a name and a type."));
                    break;
                case { ValueKind: JsonValueKind.Object } map:
                    foreach (var entry in map.EnumerateObject())
                    {
                        columns.Add(entry.Value.ValueKind switch
                        {
                            JsonValueKind.String => Shorthand(entry.Name, entry.Value.GetString()!),
                            JsonValueKind.Object => Column(entry.Value, entry.Name),
                            _ => throw new SchemaException($"Column '{entry.Name}': give a type name (\"int\") or an object ({{\"type\": \"int\", \"nullable\": false}})."),
                        });
                    }
                    break;
                default:
                    throw new SchemaException("A schema needs \"columns\": a list of {\"name\", \"type\"} objects or an object of name: type pairs.");
            }
            var constraints = new List<TableConstraint>();
            if (Property(root, "constraints") is { } given && given.ValueKind != JsonValueKind.Null)
            {
                if (given.ValueKind != JsonValueKind.Array) throw new SchemaException("\"constraints\" is a list of objects.");
                foreach (var item in given.EnumerateArray()) constraints.Add(Constraint(item));
            }
            return new TableSchema(columns, constraints);
        }
    }

    /// <summary>Writes <paramref name="schema"/> in the canonical form (every column property, enum names as text).</summary>
    public static void Write(Utf8JsonWriter writer, TableSchema schema)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("columns");
        foreach (var c in schema.Columns)
        {
            writer.WriteStartObject();
            writer.WriteString("name", c.Name);
            writer.WriteString("type", c.Type.ToString());
            writer.WriteString("role", c.Role.ToString());
            writer.WriteBoolean("nullable", c.Nullable);
            writer.WriteBoolean("unique", c.Unique);
            writer.WriteBoolean("indexed", c.Indexed);
            if (c.DefaultSql is null) writer.WriteNull("defaultSql");
            else writer.WriteString("defaultSql", c.DefaultSql);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteStartArray("constraints");
        foreach (var c in schema.Constraints)
        {
            writer.WriteStartObject();
            writer.WriteString("kind", c.Kind.ToString());
            writer.WriteString("name", c.Name);
            writer.WriteStartArray("columns");
            foreach (var column in c.Columns ?? []) writer.WriteStringValue(column);
            writer.WriteEndArray();
            if (c.Expression is not null) writer.WriteString("expression", c.Expression);
            if (c.ReferencedColumns is not null)
            {
                writer.WriteStartArray("references");
                foreach (var column in c.ReferencedColumns) writer.WriteStringValue(column);
                writer.WriteEndArray();
                writer.WriteString("onDelete", c.OnDelete.ToString());
            }
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static ColumnDef Column(JsonElement item, string? key)
    {
        var where = key is null ? "a column" : $"column '{key}'";
        Only(item, ColumnProperties, where);
        var name = key ?? Text(item, "name", where) ?? throw new SchemaException("A column object needs a \"name\".");
        where = $"column '{name}'";
        var typeName = Text(item, "type", where) ?? throw new SchemaException($"Column '{name}' needs a \"type\" (int, real, text, bool, datetime, blob, json, …).");
        var shorthand = Shorthand(name, typeName);
        var role = Text(item, "role", where) is { } r ? Enum<ColumnRole>(r, where, "role") : shorthand.Role;
        var regular = role == ColumnRole.Regular;
        string? defaultSql = null;
        if (Property(item, "defaultSql") is { ValueKind: not JsonValueKind.Null } sql)
            defaultSql = sql.ValueKind == JsonValueKind.String ? sql.GetString() : throw new SchemaException($"{where}: \"defaultSql\" is SQL literal text, e.g. \"0\" or \"'none'\".");
        if (Property(item, "default") is { } value)
        {
            if (defaultSql is not null) throw new SchemaException($"{where}: give \"default\" or \"defaultSql\", not both.");
            defaultSql = SqlLiteral.From(value.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.True => 1L,
                JsonValueKind.False => 0L,
                JsonValueKind.String => value.GetString(),
                JsonValueKind.Number => value.TryGetInt64(out var l) ? l : (object)value.GetDouble(),
                _ => throw new SchemaException($"{where}: a default is a number, text, true, false or null."),
            });
        }
        return new ColumnDef(name, shorthand.Type, role,
            Nullable: Flag(item, "nullable", where) ?? (regular && shorthand.Nullable),
            Unique: Flag(item, "unique", where) ?? false,
            Indexed: Flag(item, "indexed", where) ?? false,
            DefaultSql: defaultSql);
    }

    /// <summary>A column from a type name alone: a value type, or one of the managed roles (id, added, updated).</summary>
    private static ColumnDef Shorthand(string name, string type)
    {
        switch (Normalize(type))
        {
            case "id": return new ColumnDef(name, ColumnType.Int64, ColumnRole.Id, Nullable: false);
            case "added": return new ColumnDef(name, ColumnType.DateTime, ColumnRole.Added, Nullable: false);
            case "updated": return new ColumnDef(name, ColumnType.DateTime, ColumnRole.Updated, Nullable: false);
        }
        ColumnType? value = Normalize(type) switch
        {
            "int32" => ColumnType.Int32,
            "int" or "int64" or "integer" or "long" => ColumnType.Int64,
            "real" or "float" or "double" => ColumnType.Real,
            "bool" or "boolean" => ColumnType.Boolean,
            "text" or "str" or "string" => ColumnType.Text,
            "datetime" => ColumnType.DateTime,
            "blob" or "bytes" => ColumnType.Blob,
            "json" => ColumnType.Json,
            "textfile" => ColumnType.TextFile,
            "blobfile" => ColumnType.BlobFile,
            _ => null,
        };
        return value is { } t
            ? new ColumnDef(name, t)
            : throw new SchemaException($"Column '{name}': '{type}' is not a type; use int, int32, real, bool, text, datetime, blob, json, textfile, blobfile (or id, added, updated for the managed columns).");
    }

    private static TableConstraint Constraint(JsonElement item)
    {
        if (item.ValueKind != JsonValueKind.Object) throw new SchemaException("Each entry of \"constraints\" is an object with a kind and a name.");
        var name = Text(item, "name", "a constraint") ?? throw new SchemaException("A constraint needs a \"name\".");
        var where = $"constraint '{name}'";
        Only(item, ConstraintProperties, where);
        var kindText = Text(item, "kind", where) ?? throw new SchemaException($"{where} needs a \"kind\": unique, check, index or foreign_key.");
        var kind = Enum<ConstraintKind>(kindText, where, "kind");
        var references = Names(item, "references", where) ?? Names(item, "referencedColumns", where);
        var onDelete = Text(item, "onDelete", where) is { } d ? Enum<ForeignKeyAction>(d, where, "onDelete") : ForeignKeyAction.NoAction;
        return new TableConstraint(kind, name, Names(item, "columns", where) ?? [], Text(item, "expression", where), references, onDelete);
    }

    private static JsonElement? Property(JsonElement item, string name)
    {
        foreach (var p in item.EnumerateObject())
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)) return p.Value;
        return null;
    }

    private static void Only(JsonElement item, string[] known, string where)
    {
        foreach (var p in item.EnumerateObject())
            if (!known.Contains(p.Name, StringComparer.OrdinalIgnoreCase))
                throw new SchemaException($"{Capital(where)} has an unknown property \"{p.Name}\"; known: {string.Join(", ", known)}.");
    }

    private static string? Text(JsonElement item, string name, string where) => Property(item, name) switch
    {
        null or { ValueKind: JsonValueKind.Null } => null,
        { ValueKind: JsonValueKind.String } s => s.GetString(),
        _ => throw new SchemaException($"{Capital(where)}: \"{name}\" is text."),
    };

    private static bool? Flag(JsonElement item, string name, string where) => Property(item, name) switch
    {
        null or { ValueKind: JsonValueKind.Null } => null,
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => throw new SchemaException($"{Capital(where)}: \"{name}\" is true or false."),
    };

    private static string[]? Names(JsonElement item, string name, string where) => Property(item, name) switch
    {
        null or { ValueKind: JsonValueKind.Null } => null,
        { ValueKind: JsonValueKind.Array } list when list.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
            => list.EnumerateArray().Select(e => e.GetString()!).ToArray(),
        _ => throw new SchemaException($"{Capital(where)}: \"{name}\" is a list of column names."),
    };

    private static T Enum<T>(string text, string where, string what) where T : struct, Enum
    {
        foreach (var value in System.Enum.GetValues<T>())
            if (Normalize(value.ToString()) == Normalize(text)) return value;
        throw new SchemaException($"{Capital(where)}: {what} '{text}' is not one of {string.Join(", ", System.Enum.GetNames<T>())}.");
    }

    private static string Normalize(string text) => text.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal).Trim().ToLowerInvariant();

    private static string Capital(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
