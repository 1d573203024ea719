using System.Globalization;
using System.Text.RegularExpressions;

namespace DocTable.Orleans.Client.Cli;

/// <summary>
/// Parses the CLI's <c>--where</c> text into a <see cref="Filter"/>: terms joined by <c>and</c>, each
/// <c>column op value</c> (op one of = != &lt; &lt;= &gt; &gt;=), <c>column like 'pattern'</c>,
/// <c>column is null</c> or <c>column is not null</c>. Numbers are numbers; quote text with '…'.
/// </summary>
public static partial class WhereParser
{
    [GeneratedRegex(@"^\s*(?<col>[A-Za-z_][A-Za-z0-9_]*)\s*(?:(?<op><=|>=|!=|=|<|>)\s*(?<val>'(?:[^']|'')*'|[^\s]+)|\s+(?<like>like)\s+(?<val>'(?:[^']|'')*'|[^\s]+)|\s+is\s+(?<not>not\s+)?null)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Term();

    // "and" between terms, outside quoted text: the lookahead requires an even number of quotes after it.
    [GeneratedRegex(@"\s+and\s+(?=(?:[^']*'[^']*')*[^']*$)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex And();

    /// <summary>Parses <paramref name="text"/>; null or blank gives null (all rows).</summary>
    public static Filter? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        var parts = And().Split(text).Select(ParseTerm).ToArray();
        return parts.Length == 1 ? parts[0] : new AndFilter(parts);
    }

    private static Filter ParseTerm(string term)
    {
        var m = Term().Match(term);
        if (!m.Success)
            throw new InvalidQueryException($"Cannot read the filter term \"{term.Trim()}\": write column op value (op: = != < <= > >=), column like 'pattern', or column is [not] null, joined by 'and'.");
        var column = Col.Of(m.Groups["col"].Value);
        if (!m.Groups["val"].Success) return m.Groups["not"].Success ? column.IsNotNull() : column.IsNull();
        var value = Value(m.Groups["val"].Value);
        if (m.Groups["like"].Success) return column.Like(Convert.ToString(value, CultureInfo.InvariantCulture)!);
        return m.Groups["op"].Value switch
        {
            "=" => column == value,
            "!=" => column != value,
            "<" => column < value,
            "<=" => column <= value,
            ">" => column > value,
            _ => column >= value,
        };
    }

    private static object Value(string text)
    {
        if (text.Length >= 2 && text[0] == '\'' && text[^1] == '\'') return text[1..^1].Replace("''", "'", StringComparison.Ordinal);
        if (long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l)) return l;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)) return d;
        return text;
    }
}
