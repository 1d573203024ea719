namespace DocTable.Orleans.Grains.Storage;

/// <summary>Checks storage values against column definitions before anything is written.</summary>
internal static class ValueChecks
{
    /// <summary>Throws a typed error naming the column if <paramref name="value"/> does not fit <paramref name="column"/>.</summary>
    public static void Check(ColumnDef column, object? value, int row)
    {
        if (value is null)
        {
            if (!column.Nullable)
                throw new NullValueException($"Column '{column.Name}' does not allow NULL (row {row} of the batch); nothing of the batch was written.");
            return;
        }
        if (value is double d && double.IsNaN(d))
            throw new ColumnTypeException(
                $"Column '{column.Name}' is given NaN (row {row} of the batch): SQLite cannot store NaN (it would become NULL), so it is refused. Give a number (±Infinity is stored) or, in a nullable column, null; nothing of the batch was written.");
        var ok = column.Type switch
        {
            ColumnType.Int32 => value is long l && l is >= int.MinValue and <= int.MaxValue,
            ColumnType.Int64 => value is long,
            ColumnType.Boolean => value is long b && b is 0 or 1,
            ColumnType.Real => value is double or long,
            ColumnType.Text or ColumnType.TextFile => value is string,
            ColumnType.Json => value is string json && IsJson(json),
            ColumnType.DateTime => value is string s && IsStoredDateTime(s),
            ColumnType.Blob or ColumnType.BlobFile => value is byte[],
            _ => false,
        };
        if (!ok)
            throw new ColumnTypeException(
                $"Column '{column.Name}' is {column.Type} but row {row} of the batch gives {Describe(value)}; nothing of the batch was written.");
    }

    private static bool IsJson(string s)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(s);
            return true;
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
    }

    private static bool IsStoredDateTime(string s)
        => s.Length == ColumnTypes.DateTimeFormat.Length
           && DateTime.TryParseExact(s, ColumnTypes.DateTimeFormat, System.Globalization.CultureInfo.InvariantCulture,
               System.Globalization.DateTimeStyles.None, out _);

    private static string Describe(object value) => value switch
    {
        string s => $"the text '{(s.Length > 40 ? s[..40] + "…" : s)}'",
        byte[] b => $"a blob of {b.Length} bytes",
        _ => $"the {value.GetType().Name} {value}",
    };
}
