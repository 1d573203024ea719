using System.Text;
using Microsoft.Data.Sqlite;

namespace DocTable.Orleans.Grains.Storage;

/// <summary>Turns a <see cref="Filter"/> into SQL text with bound parameters, validating every column.</summary>
internal static class WhereBuilder
{
    /// <summary>Appends <c>WHERE …</c> for <paramref name="filter"/> (nothing when null) and binds its values on <paramref name="command"/>.</summary>
    public static void Append(StringBuilder sql, SqliteCommand command, TableSchema schema, Filter? filter)
    {
        if (filter is null) return;
        sql.Append(" WHERE ");
        var counter = 0;
        Write(sql, command, schema, filter, ref counter);
    }

    /// <summary>Appends <c> AND (…)</c> for <paramref name="filter"/> after an existing WHERE condition (nothing when null).</summary>
    public static void AppendAnd(StringBuilder sql, SqliteCommand command, TableSchema schema, Filter? filter)
    {
        if (filter is null) return;
        sql.Append(" AND (");
        var counter = 0;
        Write(sql, command, schema, filter, ref counter);
        sql.Append(')');
    }

    private static void Write(StringBuilder sql, SqliteCommand command, TableSchema schema, Filter filter, ref int counter)
    {
        switch (filter)
        {
            case CompareFilter c:
                var compared = schema.Find(c.Column);
                sql.Append(ValueColumn(schema, c.Column)).Append(c.Op switch
                {
                    CompareOp.Eq => " = ",
                    CompareOp.Ne => " != ",
                    CompareOp.Lt => " < ",
                    CompareOp.Le => " <= ",
                    CompareOp.Gt => " > ",
                    CompareOp.Ge => " >= ",
                    _ => throw new InvalidQueryException($"Unknown comparison operator {c.Op}."),
                }).Append(Bind(command, Fit(compared!, c.Value, equality: c.Op is CompareOp.Eq or CompareOp.Ne), ref counter));
                break;
            case InFilter { Values: null } i:
                throw new InvalidQueryException($"The IN filter on column '{i.Column}' has no value list.");
            case InFilter i when InList.IsLong(i.Values):
                sql.Append(ValueColumn(schema, i.Column)).Append(" IN (");
                var checkedColumn = schema.Find(i.Column)!;
                sql.Append(InList.Bind(command, Array.ConvertAll(i.Values, v => Fit(checkedColumn, v, equality: true)!))).Append(')');
                break;
            case InFilter i:
                sql.Append(ValueColumn(schema, i.Column)).Append(" IN (");
                var listed = schema.Find(i.Column)!;
                for (var k = 0; k < i.Values.Length; k++)
                {
                    if (k > 0) sql.Append(", ");
                    sql.Append(Bind(command, Fit(listed, i.Values[k], equality: true), ref counter));
                }
                sql.Append(')');
                break;
            case BetweenFilter b:
                sql.Append(ValueColumn(schema, b.Column));
                var ranged = schema.Find(b.Column)!;
                sql.Append(" BETWEEN ").Append(Bind(command, Fit(ranged, b.Low, equality: false), ref counter))
                   .Append(" AND ").Append(Bind(command, Fit(ranged, b.High, equality: false), ref counter));
                break;
            case LikeFilter l:
                sql.Append(ValueColumn(schema, l.Column)).Append(" LIKE ").Append(Bind(command, l.Pattern, ref counter));
                if (l.Escaped) sql.Append(" ESCAPE '\\'");
                break;
            case IsNullFilter n:
                sql.Append(Column(schema, n.Column)).Append(n.Negate ? " IS NOT NULL" : " IS NULL");
                break;
            case AndFilter { Parts: null }:
            case OrFilter { Parts: null }:
                throw new InvalidQueryException("An AND/OR filter has no parts.");
            case AndFilter a:
                Join(sql, command, schema, a.Parts, " AND ", ref counter);
                break;
            case OrFilter o:
                Join(sql, command, schema, o.Parts, " OR ", ref counter);
                break;
            case NotFilter n:
                sql.Append("NOT (");
                Write(sql, command, schema, n.Inner, ref counter);
                sql.Append(')');
                break;
            default:
                throw new InvalidQueryException($"Unsupported filter {filter.GetType().Name}.");
        }
    }

    /// <summary>
    /// Joins the parts as a balanced tree of parentheses — ((a op b) op (c op d)) — so that thousands of
    /// parts stay within SQLite's expression depth (a flat list would nest one level per part).
    /// </summary>
    private static void Join(StringBuilder sql, SqliteCommand command, TableSchema schema, ReadOnlySpan<Filter> parts, string op, ref int counter)
    {
        if (parts.Length == 0) throw new InvalidQueryException("AND/OR needs at least one part.");
        if (parts.Length == 1)
        {
            if (parts[0] is null) throw new InvalidQueryException("A part of an AND/OR filter is null.");
            Write(sql, command, schema, parts[0], ref counter);
            return;
        }
        var half = parts.Length / 2;
        sql.Append('(');
        Join(sql, command, schema, parts[..half], op, ref counter);
        sql.Append(')').Append(op).Append('(');
        Join(sql, command, schema, parts[half..], op, ref counter);
        sql.Append(')');
    }

    /// <summary>The quoted name of a column of <paramref name="schema"/>; throws for unknown or illegal names.</summary>
    public static string Column(TableSchema schema, string name)
    {
        Identifier.Validate(name, "column");
        var column = schema.Find(name) ?? throw new UnknownColumnException($"Column '{name}' does not exist in the table.");
        return Identifier.Quote(column.Name);
    }

    /// <summary>Like <see cref="Column"/>, for a column whose value is compared or sorted: file columns are refused (they hold file names, not the values).</summary>
    public static string ValueColumn(TableSchema schema, string name)
    {
        var quoted = Column(schema, name);
        if (schema.Find(name)!.Type.IsFile())
            throw new InvalidQueryException($"Column '{name}' is file-backed: it can be tested with IS [NOT] NULL but not compared, matched or sorted.");
        return quoted;
    }

    /// <summary>
    /// The value to bind against <paramref name="column"/>, or a typed error naming the column, its type
    /// and the value when the comparison could not mean what it says: text or bytes against a numeric
    /// column (SQLite would order them after every number), a fraction tested for equality with an
    /// integer column (no row can be equal; an order comparison such as <c>&gt; 2.5</c> is meaningful and
    /// stays), or NaN. A whole double against an integer column is bound as the integer.
    /// </summary>
    private static object? Fit(ColumnDef column, object? value, bool equality)
    {
        if (value is double nan && double.IsNaN(nan))
            throw new InvalidQueryException($"The filter compares column '{column.Name}' with NaN, which matches nothing; compare it with a number.");
        var integer = column.Type is ColumnType.Int32 or ColumnType.Int64 or ColumnType.Boolean;
        if (!integer && column.Type != ColumnType.Real) return value;
        switch (value)
        {
            case string text:
                throw new ColumnTypeException($"Column '{column.Name}' is {column.Type} ({column.Type.SqlType()}) but the filter compares it with the text '{(text.Length > 40 ? text[..40] + "…" : text)}'; compare it with a number.");
            case byte[] bytes:
                throw new ColumnTypeException($"Column '{column.Name}' is {column.Type} ({column.Type.SqlType()}) but the filter compares it with a blob of {bytes.Length} bytes; compare it with a number.");
            case double d when integer:
                if (Math.Floor(d) == d && d >= long.MinValue && d < 9223372036854775808.0) return (long)d;
                if (equality)
                    throw new ColumnTypeException($"Column '{column.Name}' is {column.Type} ({column.Type.SqlType()}), whole numbers only, but the filter tests it for equality with {d.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}, which no row can equal; compare it with a whole number.");
                return d;
            default:
                return value;
        }
    }

    private static string Bind(SqliteCommand command, object? value, ref int counter)
    {
        if (value is not (long or double or string or byte[]))
            throw new InvalidQueryException($"Filter value of type {value?.GetType().Name ?? "null"} is not a storage value (long, double, string, byte[]).");
        var name = "$w" + counter++;
        command.Parameters.AddWithValue(name, value);
        return name;
    }
}
