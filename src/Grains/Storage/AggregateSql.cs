using System.Text;
using Microsoft.Data.Sqlite;

namespace DocTable.Orleans.Grains.Storage;

/// <summary>Builds the SQL of an <see cref="AggregateQuery"/> from validated columns and a closed set of functions.</summary>
internal static class AggregateSql
{
    /// <summary>Sets <paramref name="command"/>'s text and parameters; returns the result column names.</summary>
    public static string[] Build(SqliteCommand command, string table, TableSchema schema, AggregateQuery query)
    {
        var aggregates = query.Aggregates ?? [];
        var groups = query.GroupBy ?? [];
        if (aggregates.Length == 0 && groups.Length == 0)
            throw new InvalidQueryException("An aggregate query needs at least one aggregate or one group column.");
        if (query.Limit is < 0) throw new InvalidQueryException($"Limit must not be negative (got {query.Limit}).");

        var names = new List<string>();
        var select = new List<string>();
        foreach (var g in groups)
        {
            select.Add(WhereBuilder.ValueColumn(schema, g));
            names.Add(schema.Find(g)!.Name);
        }
        foreach (var a in aggregates)
        {
            if (a is null) throw new InvalidQueryException("An aggregate is null.");
            select.Add(Expression(schema, a));
            names.Add((a.Column is null ? a : a with { Column = schema.Find(a.Column)!.Name }).OutputName);
        }
        var duplicate = names.GroupBy(n => n, StringComparer.OrdinalIgnoreCase).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null) throw new InvalidQueryException($"The result column '{duplicate.Key}' appears twice; ask for each aggregate and group column once.");

        var sql = new StringBuilder("SELECT ").AppendJoin(", ", select).Append(" FROM ").Append(Identifier.Quote(table));
        WhereBuilder.Append(sql, command, schema, query.Where);
        if (groups.Length > 0)
        {
            var quoted = string.Join(", ", groups.Select(g => WhereBuilder.Column(schema, g)));
            sql.Append(" GROUP BY ").Append(quoted).Append(" ORDER BY ").Append(quoted);
        }
        if (query.Limit is { } limit) sql.Append(" LIMIT ").Append(limit);
        command.CommandText = sql.ToString();
        return [.. names];
    }

    private static string Expression(TableSchema schema, Aggregate a)
    {
        if (a.Column is null)
        {
            return a.Function == AggregateFunction.Count
                ? "COUNT(*)"
                : throw new InvalidQueryException($"{a.Function} needs a column.");
        }
        var column = WhereBuilder.Column(schema, a.Column);
        var type = schema.Find(a.Column)!.Type;
        var numeric = type is ColumnType.Int32 or ColumnType.Int64 or ColumnType.Real or ColumnType.Boolean;
        if (type.IsFile() && a.Function != AggregateFunction.Count)
            throw new InvalidQueryException($"{a.Function} cannot be computed over the file column '{a.Column}' (only Count).");
        return a.Function switch
        {
            AggregateFunction.Count => $"COUNT({column})",
            AggregateFunction.CountDistinct => $"COUNT(DISTINCT {column})",
            AggregateFunction.Sum when numeric => $"SUM({column})",
            AggregateFunction.Avg when numeric => $"AVG({column})",
            AggregateFunction.Min when type != ColumnType.Blob => $"MIN({column})",
            AggregateFunction.Max when type != ColumnType.Blob => $"MAX({column})",
            AggregateFunction.Sum or AggregateFunction.Avg or AggregateFunction.Min or AggregateFunction.Max
                => throw new InvalidQueryException($"{a.Function} cannot be computed over column '{a.Column}' of type {type}."),
            _ => throw new InvalidQueryException($"Unknown aggregate function {(int)a.Function}."),
        };
    }
}
