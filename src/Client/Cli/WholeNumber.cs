using System.CommandLine.Parsing;
using System.Globalization;

namespace DocTable.Orleans.Client.Cli;

/// <summary>
/// Parsers for whole-number options whose errors name the option and the rule in the user's words
/// ("--rows takes a whole number (got 'abc')", "--producers must be at least 1 (got 0)") instead of
/// .NET's "as expected type 'System.Int32'".
/// </summary>
internal static class WholeNumber
{
    /// <summary>A parser of a whole number of at least <paramref name="min"/>.</summary>
    public static Func<ArgumentResult, int> AtLeast(int min) => result => Parse(result, min) ?? 0;

    /// <summary>Like <see cref="AtLeast"/>, for an option that may be left out.</summary>
    public static Func<ArgumentResult, int?> OptionalAtLeast(int min) => result => Parse(result, min);

    private static int? Parse(ArgumentResult result, int min)
    {
        var name = result.Parent is OptionResult option ? option.IdentifierToken?.Value ?? option.Option.Name : result.Argument.Name;
        if (result.Tokens.Count == 0) return null;
        var text = result.Tokens[^1].Value;
        if (!long.TryParse(text.Replace("_", "", StringComparison.Ordinal), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            result.AddError($"{name} takes a whole number (got '{text}').");
            return null;
        }
        if (value < min)
        {
            result.AddError(min == 0 ? $"{name} must not be negative (got {value})." : $"{name} must be at least {min} (got {value}).");
            return null;
        }
        if (value > int.MaxValue)
        {
            result.AddError($"{name} must be at most {int.MaxValue} (got {value}).");
            return null;
        }
        return (int)value;
    }
}
