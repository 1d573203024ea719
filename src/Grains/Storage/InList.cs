using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace DocTable.Orleans.Grains.Storage;

/// <summary>
/// The value list of a long <c>column IN (…)</c>. SQLite binds at most 32,766 parameters per
/// statement, so a list longer than <see cref="MaxParameters"/> is bound as one JSON array and read
/// back with <c>json_each</c>: <c>column IN (SELECT value FROM json_each($j))</c>. json_each returns
/// each value with its own type (integer, real, text; blobs travel as hex and come back through
/// <c>unhex</c>) and no affinity, as a bound parameter does, so the column's affinity decides the
/// comparison exactly as for a short list.
/// </summary>
internal static class InList
{
    /// <summary>Lists up to this long bind one parameter per value.</summary>
    public const int MaxParameters = 256;

    /// <summary>True when <paramref name="values"/> is too long to bind one parameter per value.</summary>
    public static bool IsLong(object[]? values) => values is { Length: > MaxParameters };

    /// <summary>The subquery that lists <paramref name="values"/> (for <c>IN (…)</c>), its parameters bound on <paramref name="command"/>.</summary>
    public static string Bind(SqliteCommand command, object[] values)
    {
        var scalars = new StringBuilder("[");
        var blobs = new StringBuilder("[");
        foreach (var value in values)
        {
            var list = value is byte[] ? blobs : scalars;
            if (list.Length > 1) list.Append(',');
            switch (value)
            {
                case long l:
                    list.Append(l.ToString(CultureInfo.InvariantCulture));
                    break;
                case double d:
                    list.Append(Real(d));
                    break;
                case string s:
                    list.Append(JsonSerializer.Serialize(s));
                    break;
                case byte[] b:
                    list.Append('"').Append(Convert.ToHexString(b)).Append('"');
                    break;
                default:
                    throw new InvalidQueryException($"Filter value of type {value?.GetType().Name ?? "null"} is not a storage value (long, double, string, byte[]).");
            }
        }
        var sql = new StringBuilder();
        if (scalars.Length > 1) sql.Append("SELECT value FROM json_each(").Append(Parameter(command, scalars.Append(']'))).Append(')');
        if (blobs.Length > 1)
        {
            if (sql.Length > 0) sql.Append(" UNION ALL ");
            sql.Append("SELECT unhex(value) FROM json_each(").Append(Parameter(command, blobs.Append(']'))).Append(')');
        }
        return sql.ToString();
    }

    /// <summary>
    /// A double as JSON5 that SQLite reads back as the same REAL: round-trip digits with a decimal
    /// point or exponent (so 1.0 stays REAL, not INTEGER), Infinity as such, NaN as null (SQLite binds a NaN parameter as NULL too).
    /// </summary>
    private static string Real(double d)
    {
        if (double.IsNaN(d)) return "null";
        if (double.IsPositiveInfinity(d)) return "Infinity";
        if (double.IsNegativeInfinity(d)) return "-Infinity";
        var text = d.ToString("R", CultureInfo.InvariantCulture);
        return text.AsSpan().IndexOfAny('.', 'E') >= 0 ? text : text + ".0";
    }

    private static string Parameter(SqliteCommand command, StringBuilder json)
    {
        var name = "$in" + command.Parameters.Count.ToString(CultureInfo.InvariantCulture);
        command.Parameters.AddWithValue(name, json.ToString());
        return name;
    }
}
