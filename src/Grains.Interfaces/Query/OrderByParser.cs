using System.Text.RegularExpressions;

namespace DocTable.Orleans;

/// <summary>
/// Parses the text form of a sort order — the CLI's <c>--order-by</c>, the HTTP API's <c>order_by=</c> —:
/// comma-separated columns, each optionally followed by
/// <c>asc</c> or <c>desc</c> in any case, e.g. <c>"process, number desc"</c>.
/// </summary>
public static partial class OrderByParser
{
    [GeneratedRegex(@"^\s*(?<col>[^\s,]+)(?:\s+(?<dir>asc|desc))?\s*$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Key();

    /// <summary>
    /// Parses <paramref name="text"/>; null or blank gives null (table order). <paramref name="option"/>
    /// names where the text came from in an error message.
    /// </summary>
    public static OrderBy[]? Parse(string? text, string option = "--order-by")
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        return text.Split(',').Select(part =>
        {
            var m = Key().Match(part);
            if (!m.Success)
                throw new InvalidQueryException($"Cannot read {option} \"{text.Trim()}\": write column [asc|desc], several separated by commas, e.g. \"process, number desc\".");
            return new OrderBy(m.Groups["col"].Value, m.Groups["dir"].Value.Equals("desc", StringComparison.OrdinalIgnoreCase));
        }).ToArray();
    }
}
