using System.Globalization;
using System.Text.RegularExpressions;

namespace DocTable.Orleans;

/// <summary>SQL literals for column defaults: made from storage values, checked before they reach DDL.</summary>
public static partial class SqlLiteral
{
    [GeneratedRegex(@"^(NULL|-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|'([^']|'')*'|[xX]'([0-9A-Fa-f]{2})*')$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>The literal for a storage value (long, double, string, byte[] or null).</summary>
    public static string From(object? storageValue) => storageValue switch
    {
        null => "NULL",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        string s => "'" + s.Replace("'", "''", StringComparison.Ordinal) + "'",
        byte[] b => "X'" + Convert.ToHexString(b) + "'",
        _ => throw new SchemaException($"A default of type {storageValue.GetType().Name} is not a storage value."),
    };

    /// <summary>True when <paramref name="literal"/> is a plain literal (number, string, blob or NULL).</summary>
    public static bool IsValid(string literal) => Pattern().IsMatch(literal);
}
