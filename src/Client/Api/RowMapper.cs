using System.Linq.Expressions;
using System.Reflection;
using System.Text;
using System.Text.Json;

namespace DocTable.Orleans;

/// <summary>
/// Maps a row type to a <see cref="TableSchema"/> and converts rows to and from storage values with
/// compiled delegates (no reflection per row). Built once per type and cached.
/// </summary>
public sealed class RowMapper<T> where T : new()
{
    private static readonly Lazy<RowMapper<T>> s_instance = new(() => new RowMapper<T>());
    private readonly MappedColumn[] _columns;
    private readonly MappedColumn[] _writable;

    private sealed record MappedColumn(ColumnDef Def, PropertyInfo Property, Func<T, object?> Read, Action<T, object?> Write);

    /// <summary>The mapper of <typeparamref name="T"/>.</summary>
    public static RowMapper<T> Instance => s_instance.Value;

    private RowMapper()
    {
        var nullability = new NullabilityInfoContext();
        var columns = new List<MappedColumn>();
        foreach (var property in typeof(T).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<NotColumnAttribute>() is not null) continue;
            if (property.GetMethod is null || property.SetMethod is not { IsPublic: true } || property.GetIndexParameters().Length > 0) continue;
            var attribute = property.GetCustomAttribute<ColumnAttribute>();
            var role = attribute switch
            {
                IdColumnAttribute => ColumnRole.Id,
                AddedColumnAttribute => ColumnRole.Added,
                UpdatedColumnAttribute => ColumnRole.Updated,
                _ => ColumnRole.Regular,
            };
            var (type, nullableType) = Classify(property, nullability);
            if (attribute is TextFileAttribute or BlobFileAttribute)
                type = FileType(property, attribute);
            var def = new ColumnDef(
                Name: attribute?.Name ?? SnakeCase(property.Name),
                Type: type,
                Role: role,
                Nullable: role == ColumnRole.Regular && (nullableType || attribute?.AllowNull == true),
                Unique: attribute?.Unique ?? false,
                Indexed: attribute?.Indexed ?? false,
                DefaultSql: attribute?.Default is { } d ? SqlLiteral.From(ToStorage(type, property.PropertyType, d)) : null);
            columns.Add(new MappedColumn(def, property, BuildReader(property, type), BuildWriter(property, type)));
        }
        if (columns.Count == 0)
            throw new SchemaException($"{typeof(T).Name} has no public read/write properties to store.");
        _columns = [.. columns];
        _writable = _columns.Where(c => c.Def.IsWritable).ToArray();
        Schema = new TableSchema(_columns.Select(c => c.Def).ToList(), Constraints());
        WritableColumns = _writable.Select(c => c.Def.Name).ToArray();
    }

    /// <summary>The class-level constraints of <typeparamref name="T"/>, with property names resolved to column names.</summary>
    private List<TableConstraint> Constraints()
    {
        var result = new List<TableConstraint>();
        foreach (var attribute in typeof(T).GetCustomAttributes<TableConstraintAttribute>(inherit: true))
        {
            result.Add(attribute switch
            {
                UniqueAttribute u => Named(new TableConstraint(ConstraintKind.Unique, "", Resolve(u.Columns)), u.Name, "uq"),
                IndexAttribute i => Named(new TableConstraint(ConstraintKind.Index, "", Resolve(i.Columns)), i.Name, "ix"),
                CheckAttribute c => new TableConstraint(ConstraintKind.Check, c.Name ?? CheckName(c.Expression), [], c.Expression),
                ForeignKeyAttribute f => Named(new TableConstraint(ConstraintKind.ForeignKey, "", Resolve([f.Column]), null, Resolve([f.ReferencedColumn]), f.OnDelete), f.Name, "fk"),
                _ => throw new SchemaException($"{attribute.GetType().Name} on {typeof(T).Name} is not a known constraint."),
            });
        }
        return result;

        static TableConstraint Named(TableConstraint c, string? name, string prefix)
            => c with { Name = name ?? prefix + "_" + string.Join("_", c.Columns) };

        // Attribute order is not guaranteed by reflection, so an unnamed check is named after its text.
        static string CheckName(string? expression)
            => "ck_" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes(expression ?? "")))[..12];
    }

    /// <summary>Column names for property or column names (unknown names are kept, so the schema check names them).</summary>
    private string[] Resolve(string[] names)
        => (names ?? []).Select(n => _columns.FirstOrDefault(c => c.Property.Name == n)?.Def.Name ?? n).ToArray();

    /// <summary>The schema the type asks for.</summary>
    public TableSchema Schema { get; }

    /// <summary>The columns an insert gives, in the order of <see cref="ToStorageRow"/>.</summary>
    public string[] WritableColumns { get; }

    /// <summary>The storage values of <paramref name="row"/>'s writable columns.</summary>
    public object?[] ToStorageRow(T row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var values = new object?[_writable.Length];
        for (var i = 0; i < values.Length; i++) values[i] = _writable[i].Read(row);
        return values;
    }

    /// <summary>Builds rows from a result set; columns not in the type are ignored, missing ones keep defaults.</summary>
    public List<T> FromRowSet(RowSet set)
    {
        var map = new MappedColumn?[set.Columns.Length];
        for (var i = 0; i < map.Length; i++)
            map[i] = _columns.FirstOrDefault(c => string.Equals(c.Def.Name, set.Columns[i], StringComparison.OrdinalIgnoreCase));
        var result = new List<T>(set.Rows.Count);
        foreach (var values in set.Rows)
        {
            var row = new T();
            for (var i = 0; i < map.Length; i++)
                if (map[i] is { } column && values[i] is { } value) column.Write(row, value);
            result.Add(row);
        }
        return result;
    }

    /// <summary>
    /// The storage value of <paramref name="value"/> for the column named <paramref name="column"/>
    /// (column or property name): JSON columns are serialized, booleans and dates converted.
    /// </summary>
    public (string Column, object? Value) ToStorageValue(string column, object? value)
    {
        var mapped = _columns.FirstOrDefault(c => string.Equals(c.Def.Name, column, StringComparison.OrdinalIgnoreCase)
                                                  || c.Property.Name == column);
        if (mapped is null) return (column, StorageValue.From(value));
        return (mapped.Def.Name, value is null ? null : ToStorage(mapped.Def.Type, mapped.Property.PropertyType, value));
    }

    /// <summary>The column a property of <typeparamref name="T"/> is stored in, or null when it is not a column.</summary>
    public ColumnDef? ColumnOf(MemberInfo member)
    {
        foreach (var c in _columns)
            if (c.Property.Name == member.Name && c.Property.DeclaringType == member.DeclaringType) return c.Def;
        return null;
    }

    /// <summary>
    /// The CLR value of a stored value of column <paramref name="column"/>, as its property holds it
    /// (DateTime parsed, JSON deserialized, enums and booleans restored). Null stays null.
    /// </summary>
    public object? FromStorageValue(string column, object? value)
    {
        var mapped = _columns.FirstOrDefault(c => string.Equals(c.Def.Name, column, StringComparison.OrdinalIgnoreCase));
        if (value is null || mapped is null) return value;
        return FromStorage(mapped.Def.Type, mapped.Property.PropertyType, value);
    }

    private static ColumnType FileType(PropertyInfo property, ColumnAttribute attribute)
    {
        var (wanted, type) = attribute is TextFileAttribute ? (typeof(string), ColumnType.TextFile) : (typeof(byte[]), ColumnType.BlobFile);
        return property.PropertyType == wanted
            ? type
            : throw new SchemaException($"{typeof(T).Name}.{property.Name} is marked [{attribute.GetType().Name.Replace("Attribute", "", StringComparison.Ordinal)}] and must be a {wanted.Name}, not a {property.PropertyType.Name}.");
    }

    private static (ColumnType, bool) Classify(PropertyInfo property, NullabilityInfoContext context)
    {
        var t = property.PropertyType;
        var underlying = Nullable.GetUnderlyingType(t);
        if (underlying is not null) return (ScalarType(underlying) ?? ColumnType.Json, true);
        var nullable = !t.IsValueType && context.Create(property).WriteState != NullabilityState.NotNull;
        return (ScalarType(t) ?? ColumnType.Json, nullable);
    }

    private static ColumnType? ScalarType(Type t) =>
        t == typeof(int) || t == typeof(short) || t == typeof(byte) ? ColumnType.Int32
        : t == typeof(long) ? ColumnType.Int64
        : t == typeof(double) || t == typeof(float) ? ColumnType.Real
        : t == typeof(bool) ? ColumnType.Boolean
        : t == typeof(string) ? ColumnType.Text
        : t == typeof(DateTime) ? ColumnType.DateTime
        : t == typeof(byte[]) ? ColumnType.Blob
        : t.IsEnum ? ColumnType.Int64
        : null;

    private static object? ToStorage(ColumnType type, Type clrType, object value)
        => type == ColumnType.Json ? JsonSerializer.Serialize(value, clrType) : StorageValue.From(value);

    private static object? FromStorage(ColumnType type, Type clrType, object value)
    {
        var target = Nullable.GetUnderlyingType(clrType) ?? clrType;
        return type switch
        {
            ColumnType.Json => JsonSerializer.Deserialize((string)value, clrType),
            ColumnType.DateTime => StorageValue.ParseDateTime((string)value),
            ColumnType.Boolean => Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) != 0,
            _ when target.IsEnum => Enum.ToObject(target, value),
            _ when target == typeof(byte[]) || target == typeof(string) => value,
            _ => Convert.ChangeType(value, target, System.Globalization.CultureInfo.InvariantCulture),
        };
    }

    private static Func<T, object?> BuildReader(PropertyInfo property, ColumnType type)
    {
        var row = Expression.Parameter(typeof(T), "row");
        Expression read = Expression.Property(row, property);
        var t = property.PropertyType;
        // Fast paths for the common scalar types; everything else goes through ToStorage.
        Expression body = (t == typeof(int) || t == typeof(long)) ? Expression.Convert(Expression.Convert(read, typeof(long)), typeof(object))
            : t == typeof(double) ? Expression.Convert(read, typeof(object))
            : t == typeof(string) || t == typeof(byte[]) ? read
            : Expression.Call(typeof(RowMapper<T>).GetMethod(nameof(ReadBoxed), BindingFlags.NonPublic | BindingFlags.Static)!,
                Expression.Constant(type), Expression.Constant(t), Expression.Convert(read, typeof(object)));
        return Expression.Lambda<Func<T, object?>>(body, row).Compile();
    }

    private static object? ReadBoxed(ColumnType type, Type clrType, object? value)
        => value is null ? null : ToStorage(type, clrType, value);

    private static Action<T, object?> BuildWriter(PropertyInfo property, ColumnType type)
    {
        var row = Expression.Parameter(typeof(T), "row");
        var value = Expression.Parameter(typeof(object), "value");
        var convert = Expression.Call(typeof(RowMapper<T>).GetMethod(nameof(FromStorage), BindingFlags.NonPublic | BindingFlags.Static)!,
            Expression.Constant(type), Expression.Constant(property.PropertyType), value);
        var assign = Expression.Assign(Expression.Property(row, property), Expression.Convert(convert, property.PropertyType));
        return Expression.Lambda<Action<T, object?>>(assign, row, value).Compile();
    }

    private static string SnakeCase(string name)
    {
        var sb = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0 && (char.IsLower(name[i - 1]) || (i + 1 < name.Length && char.IsLower(name[i + 1])))) sb.Append('_');
                sb.Append(char.ToLowerInvariant(c));
            }
            else sb.Append(c);
        }
        return sb.ToString();
    }
}
