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
                sql.Append(ValueColumn(schema, c.Column)).Append(c.Op switch
                {
                    CompareOp.Eq => " = ",
                    CompareOp.Ne => " != ",
                    CompareOp.Lt => " < ",
                    CompareOp.Le => " <= ",
                    CompareOp.Gt => " > ",
                    CompareOp.Ge => " >= ",
                    _ => throw new InvalidQueryException($"Unknown comparison operator {c.Op}."),
                }).Append(Bind(command, c.Value, ref counter));
                break;
            case InFilter { Values: null } i:
                throw new InvalidQueryException($"The IN filter on column '{i.Column}' has no value list.");
            case InFilter i when InList.IsLong(i.Values):
                sql.Append(ValueColumn(schema, i.Column)).Append(" IN (").Append(InList.Bind(command, i.Values)).Append(')');
                break;
            case InFilter i:
                sql.Append(ValueColumn(schema, i.Column)).Append(" IN (");
                for (var k = 0; k < i.Values.Length; k++)
                {
                    if (k > 0) sql.Append(", ");
                    sql.Append(Bind(command, i.Values[k], ref counter));
                }
                sql.Append(')');
                break;
            case BetweenFilter b:
                sql.Append(ValueColumn(schema, b.Column)).Append(" BETWEEN ").Append(Bind(command, b.Low, ref counter))
                   .Append(" AND ").Append(Bind(command, b.High, ref counter));
                break;
            case LikeFilter l:
                sql.Append(ValueColumn(schema, l.Column)).Append(" LIKE ").Append(Bind(command, l.Pattern, ref counter));
                if (l.Escaped) sql.Append(" ESCAPE '\\'");
                break;
            case IsNullFilter n:
                sql.Append(Column(schema, n.Column)).Append(n.Negate ? " IS NOT NULL" : " IS NULL");
                break;
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

    private static void Join(StringBuilder sql, SqliteCommand command, TableSchema schema, Filter[] parts, string op, ref int counter)
    {
        if (parts.Length == 0) throw new InvalidQueryException("AND/OR needs at least one part.");
        for (var k = 0; k < parts.Length; k++)
        {
            if (k > 0) sql.Append(op);
            sql.Append('(');
            Write(sql, command, schema, parts[k], ref counter);
            sql.Append(')');
        }
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

    private static string Bind(SqliteCommand command, object? value, ref int counter)
    {
        if (value is not (long or double or string or byte[]))
            throw new InvalidQueryException($"Filter value of type {value?.GetType().Name ?? "null"} is not a storage value (long, double, string, byte[]).");
        var name = "$w" + counter++;
        command.Parameters.AddWithValue(name, value);
        return name;
    }
}
