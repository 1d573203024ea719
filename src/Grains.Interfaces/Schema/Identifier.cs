using System.Text.RegularExpressions;

namespace DocTable.Orleans;

/// <summary>Validates table and column names before they reach SQL text.</summary>
public static partial class Identifier
{
    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();

    /// <summary>True when <paramref name="name"/> is a legal identifier that is not reserved.</summary>
    public static bool IsValid(string? name)
        => name is not null && Pattern().IsMatch(name)
           && !name.StartsWith("sqlite_", StringComparison.OrdinalIgnoreCase)
           && !name.StartsWith("__doctable", StringComparison.OrdinalIgnoreCase);

    /// <summary>Throws <see cref="InvalidIdentifierException"/> unless <paramref name="name"/> is legal.</summary>
    public static string Validate(string? name, string what)
    {
        if (!IsValid(name))
            throw new InvalidIdentifierException(
                $"Illegal {what} name '{name}': use 1-64 letters, digits or underscores, starting with a letter or underscore (names starting with 'sqlite_' or '__doctable' are reserved).");
        return name!;
    }

    /// <summary>
    /// True for <c>rowid</c>, <c>oid</c> and <c>_rowid_</c> in any case: SQLite's names for a row's own
    /// id, which a column of that name would hide (DocTable orders rows and pages streams by the rowid).
    /// </summary>
    public static bool IsRowIdAlias(string? name)
        => string.Equals(name, "rowid", StringComparison.OrdinalIgnoreCase)
           || string.Equals(name, "oid", StringComparison.OrdinalIgnoreCase)
           || string.Equals(name, "_rowid_", StringComparison.OrdinalIgnoreCase);

    /// <summary>Quotes a validated identifier for SQL.</summary>
    public static string Quote(string name) => "\"" + name + "\"";
}
