using System.Globalization;
using System.Text.Json;

namespace DocTable.Orleans.Transfer;

/// <summary>
/// Converts exported text and JSON values to a column's storage value (long, double, string, byte[])
/// and back. A value that does not fit throws <see cref="ColumnTypeException"/> naming line and column.
/// </summary>
public static class ValueText
{
    /// <summary>The CSV text of a storage value; null is written as an empty unquoted field by the caller.</summary>
    public static string ToText(object value) => value switch
    {
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        byte[] b => Convert.ToBase64String(b),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    /// <summary>Writes a storage value as a JSON value (blobs as base64 strings).</summary>
    public static void WriteJson(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null: writer.WriteNullValue(); break;
            case long l: writer.WriteNumberValue(l); break;
            case double d: writer.WriteNumberValue(d); break;
            case byte[] b: writer.WriteBase64StringValue(b); break;
            default: writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    /// <summary>The storage value of CSV text for <paramref name="column"/>.</summary>
    public static object FromText(ColumnDef column, string text, long line)
    {
        object? value = column.Type switch
        {
            ColumnType.Int32 => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i is >= int.MinValue and <= int.MaxValue ? i : null,
            ColumnType.Int64 => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) ? l : null,
            ColumnType.Boolean => text switch { "1" or "true" or "True" or "TRUE" => 1L, "0" or "false" or "False" or "FALSE" => 0L, _ => null },
            ColumnType.Real => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null,
            ColumnType.Text or ColumnType.TextFile => text,
            ColumnType.DateTime => DateTime(text),
            ColumnType.Json => IsJson(text) ? text : null,
            ColumnType.Blob or ColumnType.BlobFile => Base64(text),
            _ => null,
        };
        return value ?? throw Bad(column, line, $"'{Shorten(text)}'");
    }

    /// <summary>The storage value of a JSON value for <paramref name="column"/>.</summary>
    public static object? FromJson(ColumnDef column, JsonElement element, long line)
    {
        if (element.ValueKind == JsonValueKind.Null) return null;
        object? value = (column.Type, element.ValueKind) switch
        {
            (ColumnType.Int32, JsonValueKind.Number) => element.TryGetInt32(out var i) ? (long)i : null,
            (ColumnType.Int64, JsonValueKind.Number) => element.TryGetInt64(out var l) ? l : null,
            (ColumnType.Boolean, JsonValueKind.True) => 1L,
            (ColumnType.Boolean, JsonValueKind.False) => 0L,
            (ColumnType.Boolean, JsonValueKind.Number) => element.TryGetInt64(out var b) && b is 0 or 1 ? b : null,
            (ColumnType.Real, JsonValueKind.Number) => element.GetDouble(),
            (ColumnType.Text or ColumnType.TextFile, JsonValueKind.String) => element.GetString(),
            (ColumnType.DateTime, JsonValueKind.String) => DateTime(element.GetString()!),
            (ColumnType.Json, JsonValueKind.String) => IsJson(element.GetString()!) ? element.GetString() : null,
            (ColumnType.Blob or ColumnType.BlobFile, JsonValueKind.String) => Base64(element.GetString()!),
            _ => null,
        };
        return value ?? throw Bad(column, line, $"the JSON {element.ValueKind.ToString().ToLowerInvariant()} {Shorten(element.GetRawText())}");
    }

    /// <summary>The stored form (UTC, <see cref="ColumnTypes.DateTimeFormat"/>) of a date and time in <paramref name="text"/>; null when it is none. Text without a zone is taken as UTC.</summary>
    public static string? DateTime(string text)
        => System.DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var d)
            ? StorageValue.FormatDateTime(d)
            : null;

    /// <summary>The bytes of base64 <paramref name="text"/>; null when it is not base64.</summary>
    public static byte[]? Base64(string text)
    {
        var buffer = new byte[text.Length * 3 / 4 + 3];
        return Convert.TryFromBase64String(text, buffer, out var written) ? buffer[..written] : null;
    }

    private static bool IsJson(string text)
    {
        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static ColumnTypeException Bad(ColumnDef column, long line, string what)
        => new($"Line {line}, column '{column.Name}': {what} is not a valid {column.Type} value; nothing was written.");

    private static string Shorten(string s) => s.Length > 40 ? s[..40] + "…" : s;
}
