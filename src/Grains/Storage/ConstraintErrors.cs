using Microsoft.Data.Sqlite;

namespace DocTable.Orleans.Grains.Storage;

/// <summary>Maps SQLite's constraint messages back to the named constraints of the table's schema.</summary>
internal static class ConstraintErrors
{
    private const string Unique = "UNIQUE constraint failed: ";
    private const string Check = "CHECK constraint failed: ";

    public static ConstraintViolationException Translate(string table, TableSchema schema, SqliteException e)
    {
        var message = e.Message.Replace("SQLite Error 19: ", "", StringComparison.Ordinal).Trim().TrimEnd('.').Trim('\'');
        string? name = null;
        string what;
        if (message.StartsWith(Unique, StringComparison.Ordinal))
        {
            // SQLite names the columns ("t.a, t.b"), not the constraint; find the constraint with those columns.
            var columns = message[Unique.Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                .Select(c => c[(c.IndexOf('.') + 1)..]).ToArray();
            name = schema.Constraints.FirstOrDefault(c => c.Kind == ConstraintKind.Unique && c.Columns.Length == columns.Length
                && c.Columns.All(x => columns.Contains(x, StringComparer.OrdinalIgnoreCase)))?.Name;
            what = name is null
                ? $"UNIQUE column{(columns.Length > 1 ? "s" : "")} {string.Join(", ", columns.Select(c => "'" + c + "'"))} of table '{table}' already hold{(columns.Length > 1 ? "" : "s")} this value"
                : $"UNIQUE constraint '{name}' ({string.Join(", ", columns)}) of table '{table}' already holds this combination";
        }
        else if (message.StartsWith(Check, StringComparison.Ordinal))
        {
            var failed = message[Check.Length..];
            name = schema.FindConstraint(failed)?.Name;
            what = name is null
                ? $"CHECK ({failed}) of table '{table}' failed"
                : $"CHECK constraint '{name}' ({schema.FindConstraint(name)!.Expression}) of table '{table}' failed";
        }
        else if (message.StartsWith("FOREIGN KEY constraint failed", StringComparison.Ordinal))
        {
            // SQLite does not say which foreign key; name it when there is only one.
            var keys = schema.Constraints.Where(c => c.Kind == ConstraintKind.ForeignKey).ToList();
            name = keys.Count == 1 ? keys[0].Name : null;
            what = keys.Count == 1
                ? $"FOREIGN KEY constraint '{name}' ({keys[0].Describe()}) of table '{table}' failed: the referenced row does not exist, or rows still refer to it"
                : $"a FOREIGN KEY constraint of table '{table}' ({string.Join(", ", keys.Select(k => k.Name))}) failed";
        }
        else
        {
            what = message;
        }
        return new ConstraintViolationException($"{what}; nothing of the write was done.", e, name);
    }
}
