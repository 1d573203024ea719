using System.Globalization;

namespace DocTable.Orleans.Bench.Runner;

/// <summary>A tiny reader of <c>--name value</c> and <c>--flag</c> arguments that rejects unknown ones.</summary>
public sealed class ArgReader
{
    private readonly List<string> _args;
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    /// <summary>Reads <paramref name="args"/>.</summary>
    public ArgReader(IEnumerable<string> args) => _args = [.. args];

    /// <summary>True when <paramref name="name"/> is present.</summary>
    public bool Flag(string name)
    {
        _seen.Add(name);
        return _args.Contains(name);
    }

    /// <summary>The value after <paramref name="name"/>, or null.</summary>
    public string? Value(string name)
    {
        _seen.Add(name);
        var i = _args.IndexOf(name);
        if (i < 0) return null;
        if (i + 1 >= _args.Count || _args[i + 1].StartsWith("--", StringComparison.Ordinal))
            throw new ArgumentException($"{name} needs a value.");
        return _args[i + 1];
    }

    /// <summary>The value after <paramref name="name"/>; it must be given.</summary>
    public string Required(string name) => Value(name) ?? throw new ArgumentException($"{name} is required.");

    /// <summary>A number after <paramref name="name"/>, or <paramref name="fallback"/>.</summary>
    public double Double(string name, double fallback)
        => Value(name) is { } v ? ParseNumber(name, v) : fallback;

    /// <summary>A whole number after <paramref name="name"/>, or null.</summary>
    public long? Long(string name)
        => Value(name) is { } v ? (long)ParseNumber(name, v.Replace("_", "", StringComparison.Ordinal)) : null;

    /// <summary>Throws when an argument was given that none of the readers asked for.</summary>
    public void RejectUnknown()
    {
        for (var i = 0; i < _args.Count; i++)
        {
            if (!_args[i].StartsWith("--", StringComparison.Ordinal)) continue;
            if (!_seen.Contains(_args[i])) throw new ArgumentException($"Unknown option {_args[i]}; see --help.");
        }
    }

    private static double ParseNumber(string name, string value)
        => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d >= 0
            ? d
            : throw new ArgumentException($"{name} takes a non-negative number (got '{value}').");
}
