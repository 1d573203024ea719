using System.Globalization;

namespace DocTable.Orleans;

/// <summary>
/// A WHERE clause as data: comparisons, IN, BETWEEN, LIKE and IS NULL combined with AND, OR and NOT.
/// The table grain validates every column name and always binds values as parameters.
/// Build filters with <see cref="Col"/>: <c>Col.Of("number") &gt; 10 &amp; Col.Of("process") == "AB"</c>.
/// </summary>
[GenerateSerializer, Alias("doctable.Filter")]
public abstract record Filter
{
    /// <summary>Both filters must hold.</summary>
    public static Filter operator &(Filter a, Filter b) => new AndFilter([a, b]);

    /// <summary>Either filter must hold.</summary>
    public static Filter operator |(Filter a, Filter b) => new OrFilter([a, b]);

    /// <summary>The filter must not hold.</summary>
    public static Filter operator !(Filter a) => new NotFilter(a);
}

/// <summary>Comparison operators.</summary>
[GenerateSerializer, Alias("doctable.CompareOp")]
public enum CompareOp { Eq, Ne, Lt, Le, Gt, Ge }

/// <summary><c>column op value</c>. Comparing with null is rejected: use <see cref="IsNullFilter"/>.</summary>
[GenerateSerializer, Immutable, Alias("doctable.CompareFilter")]
public sealed record CompareFilter([property: Id(0)] string Column, [property: Id(1)] CompareOp Op, [property: Id(2)] object Value) : Filter;

/// <summary><c>column IN (values)</c>.</summary>
[GenerateSerializer, Immutable, Alias("doctable.InFilter")]
public sealed record InFilter([property: Id(0)] string Column, [property: Id(1)] object[] Values) : Filter;

/// <summary><c>column BETWEEN low AND high</c>.</summary>
[GenerateSerializer, Immutable, Alias("doctable.BetweenFilter")]
public sealed record BetweenFilter([property: Id(0)] string Column, [property: Id(1)] object Low, [property: Id(2)] object High) : Filter;

/// <summary>
/// <c>column LIKE pattern</c>, with <c>ESCAPE '\'</c> when <paramref name="Escaped"/> (then <c>\%</c>,
/// <c>\_</c> and <c>\\</c> match the characters themselves). SQLite's LIKE ignores case for ASCII letters.
/// </summary>
[GenerateSerializer, Immutable, Alias("doctable.LikeFilter")]
public sealed record LikeFilter([property: Id(0)] string Column, [property: Id(1)] string Pattern, [property: Id(2)] bool Escaped = false) : Filter
{
    /// <summary>Escapes <c>\</c>, <c>%</c> and <c>_</c> in <paramref name="text"/> for a pattern with <see cref="Escaped"/> set.</summary>
    public static string Escape(string text)
        => text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("%", "\\%", StringComparison.Ordinal).Replace("_", "\\_", StringComparison.Ordinal);
}

/// <summary><c>column IS NULL</c>, or <c>IS NOT NULL</c> when <paramref name="Negate"/>.</summary>
[GenerateSerializer, Immutable, Alias("doctable.IsNullFilter")]
public sealed record IsNullFilter([property: Id(0)] string Column, [property: Id(1)] bool Negate = false) : Filter;

/// <summary>All of the filters.</summary>
[GenerateSerializer, Immutable, Alias("doctable.AndFilter")]
public sealed record AndFilter([property: Id(0)] Filter[] Parts) : Filter;

/// <summary>Any of the filters.</summary>
[GenerateSerializer, Immutable, Alias("doctable.OrFilter")]
public sealed record OrFilter([property: Id(0)] Filter[] Parts) : Filter;

/// <summary>Negation.</summary>
[GenerateSerializer, Immutable, Alias("doctable.NotFilter")]
public sealed record NotFilter([property: Id(0)] Filter Inner) : Filter;

/// <summary>A column in a filter expression, as DocTable's <c>db['number']</c>.</summary>
public readonly struct Col : IEquatable<Col>
{
    private Col(string name) => Name = name;

    /// <summary>The column name.</summary>
    public string Name { get; }

    /// <summary>Refers to the column <paramref name="name"/>.</summary>
    public static Col Of(string name) => new(name);

#pragma warning disable CS1591
    public static Filter operator ==(Col c, object? v) => v is null ? new IsNullFilter(c.Name) : new CompareFilter(c.Name, CompareOp.Eq, StorageValue.From(v)!);
    public static Filter operator !=(Col c, object? v) => v is null ? new IsNullFilter(c.Name, true) : new CompareFilter(c.Name, CompareOp.Ne, StorageValue.From(v)!);
    public static Filter operator <(Col c, object v) => new CompareFilter(c.Name, CompareOp.Lt, StorageValue.Required(v));
    public static Filter operator <=(Col c, object v) => new CompareFilter(c.Name, CompareOp.Le, StorageValue.Required(v));
    public static Filter operator >(Col c, object v) => new CompareFilter(c.Name, CompareOp.Gt, StorageValue.Required(v));
    public static Filter operator >=(Col c, object v) => new CompareFilter(c.Name, CompareOp.Ge, StorageValue.Required(v));
#pragma warning restore CS1591

    /// <summary><c>column IN (values)</c>.</summary>
    public Filter In(params object[] values) => new InFilter(Name, values.Select(StorageValue.Required).ToArray());

    /// <summary><c>column BETWEEN low AND high</c>.</summary>
    public Filter Between(object low, object high) => new BetweenFilter(Name, StorageValue.Required(low), StorageValue.Required(high));

    /// <summary><c>column LIKE pattern</c> (<c>%</c> and <c>_</c> wildcards).</summary>
    public Filter Like(string pattern) => new LikeFilter(Name, pattern);

    /// <summary><c>column IS NULL</c>.</summary>
    public Filter IsNull() => new IsNullFilter(Name);

    /// <summary><c>column IS NOT NULL</c>.</summary>
    public Filter IsNotNull() => new IsNullFilter(Name, true);

    /// <inheritdoc/>
    public bool Equals(Col other) => Name == other.Name;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Col c && Equals(c);

    /// <inheritdoc/>
    public override int GetHashCode() => Name?.GetHashCode(StringComparison.Ordinal) ?? 0;

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>Converts CLR values to SQLite storage values (long, double, string, byte[]).</summary>
public static class StorageValue
{
    /// <summary>Converts a CLR value; null stays null. Throws <see cref="ColumnTypeException"/> for unsupported types.</summary>
    public static object? From(object? value) => value switch
    {
        null => null,
        long or double or string or byte[] => value,
        int i => (long)i,
        bool b => b ? 1L : 0L,
        short s => (long)s,
        byte b => (long)b,
        uint u => (long)u,
        float f => (double)f,
        decimal m => (double)m,
        DateTime d => FormatDateTime(d),
        DateTimeOffset o => FormatDateTime(o.UtcDateTime),
        Enum e => Convert.ToInt64(e, CultureInfo.InvariantCulture),
        _ => throw new ColumnTypeException($"Values of type {value.GetType().Name} cannot be used in a filter; use long, double, string, bool, DateTime or byte[]."),
    };

    /// <summary>Like <see cref="From"/> but rejects null.</summary>
    public static object Required(object? value)
        => From(value) ?? throw new InvalidQueryException("A null value cannot be compared; use IsNull()/IsNotNull().");

    /// <summary>Formats a DateTime as stored: UTC, microseconds.</summary>
    public static string FormatDateTime(DateTime d)
    {
        var utc = d.Kind == DateTimeKind.Local ? d.ToUniversalTime() : d;
        return utc.ToString(ColumnTypes.DateTimeFormat, CultureInfo.InvariantCulture);
    }

    /// <summary>Parses a stored DateTime (UTC).</summary>
    public static DateTime ParseDateTime(string s)
        => DateTime.ParseExact(s, ColumnTypes.DateTimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
}
