using System.Globalization;
using System.Text.RegularExpressions;

namespace DocTable.Orleans;

/// <summary>
/// Parses the text form of a filter — the CLI's <c>--where</c>, the HTTP API's <c>where=</c> — into a
/// <see cref="Filter"/>: terms joined by <c>and</c>, each
/// <c>column op value</c> (op one of = != &lt; &lt;= &gt; &gt;=), <c>column like 'pattern'</c>,
/// <c>column is null</c> or <c>column is not null</c>. A value is a number, <c>true</c>/<c>false</c>
/// (1/0), or text in single quotes (<c>''</c> for a quote inside). Anything else, a missing value or an
/// unterminated quote is an <see cref="InvalidQueryException"/>; whether the value fits the column's
/// type is checked by the table, for every API alike.
/// </summary>
public static partial class WhereParser
{
    [GeneratedRegex(@"^\s*(?<col>[A-Za-z_][A-Za-z0-9_]*)\s*(?:(?<op><=|>=|!=|=|<|>)(?<val>.*)|\s+(?<like>like)(?:\s+(?<val>.*))?|\s+is\s+(?<not>not\s+)?null)\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex Term();

    [GeneratedRegex(@"^'(?:[^']|'')*'$", RegexOptions.CultureInvariant)]
    private static partial Regex Quoted();

    [GeneratedRegex(@"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Number();

    // "and" between terms, outside quoted text: the lookahead requires an even number of quotes after it.
    [GeneratedRegex(@"\s+and\s+(?=(?:[^']*'[^']*')*[^']*$)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex And();

    private const string Grammar = "write column op value (op: = != < <= > >=), column like 'pattern', or column is [not] null, joined by 'and'";

    /// <summary>Parses <paramref name="text"/>; null or blank gives null (all rows).</summary>
    public static Filter? Parse(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (HasOpenQuote(text))
            throw new InvalidQueryException($"The filter \"{text.Trim()}\" has an unterminated quote: end text values with ' (write '' for a quote inside).");
        var parts = And().Split(text).Select(ParseTerm).ToArray();
        return parts.Length == 1 ? parts[0] : new AndFilter(parts);
    }

    private static Filter ParseTerm(string term)
    {
        var m = Term().Match(term);
        if (!m.Success) throw Unreadable(term, Grammar);
        var column = Col.Of(m.Groups["col"].Value);
        if (!m.Groups["val"].Success && !m.Groups["like"].Success) return m.Groups["not"].Success ? column.IsNotNull() : column.IsNull();
        var op = m.Groups["like"].Success ? "like" : m.Groups["op"].Value;
        var text = m.Groups["val"].Value.Trim();
        if (text.Length == 0) throw Unreadable(term, $"no value after \"{op}\"; write e.g. number {(op == "like" ? "like '1%'" : op + " 10")} or process {(op == "like" ? "like 'A%'" : op + " 'AB'")}");
        if (text[0] is '<' or '>' or '=' or '!') throw Unreadable(term, Grammar);
        var value = Value(term, text);
        if (op == "like") return column.Like(value as string ?? throw Unreadable(term, $"like takes a quoted pattern, e.g. like '{text}%'"));
        return op switch
        {
            "=" => column == value,
            "!=" => column != value,
            "<" => column < value,
            "<=" => column <= value,
            ">" => column > value,
            _ => column >= value,
        };
    }

    private static object Value(string term, string text)
    {
        if (Quoted().IsMatch(text))
            return text[1..^1].Replace("''", "'", StringComparison.Ordinal);
        if (Number().IsMatch(text))
        {
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l)) return l;
            if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)) return d;
        }
        if (text.Equals("true", StringComparison.OrdinalIgnoreCase)) return 1L;
        if (text.Equals("false", StringComparison.OrdinalIgnoreCase)) return 0L;
        if (text.Equals("null", StringComparison.OrdinalIgnoreCase)) throw Unreadable(term, "compare with null as column is null or column is not null");
        throw Unreadable(term, $"{text} is not a number; put text in single quotes ('{text.Replace("'", "''", StringComparison.Ordinal)}')");
    }

    /// <summary>True when a quote opened in <paramref name="text"/> is not closed ('' inside quotes is an escaped quote).</summary>
    private static bool HasOpenQuote(string text)
    {
        var open = false;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\'') continue;
            if (open && i + 1 < text.Length && text[i + 1] == '\'') i++;
            else open = !open;
        }
        return open;
    }

    private static InvalidQueryException Unreadable(string term, string why)
        => new($"Cannot read the filter term \"{term.Trim()}\": {why}.");
}
