using System.Text;
using Microsoft.Data.Sqlite;

namespace DocTable.Orleans.Grains.Storage;

/// <summary>
/// One prepared <c>INSERT</c> for a fixed list of columns and conflict mode; parameters are created
/// once and only their values change per row. The table's added/updated timestamps are bound here.
/// </summary>
internal sealed class InsertStatement : IDisposable
{
    private readonly SqliteCommand _command;
    private readonly SqliteParameter[] _values;
    private readonly SqliteParameter[] _timestamps;

    public InsertStatement(SqliteConnection connection, string table, TableSchema schema, ColumnDef[] columns, OnConflict onConflict)
    {
        Definitions = columns;
        OnConflict = onConflict;
        Columns = columns.Select(c => c.Name).ToArray();
        var stamps = schema.Columns.Where(c => c.Role is ColumnRole.Added or ColumnRole.Updated).ToArray();

        var sql = new StringBuilder(onConflict switch
        {
            OnConflict.Ignore => "INSERT OR IGNORE INTO ",
            OnConflict.Replace => "INSERT OR REPLACE INTO ",
            _ => "INSERT INTO ",
        }).Append(Identifier.Quote(table)).Append(" (");
        var names = columns.Concat(stamps).Select(c => Identifier.Quote(c.Name));
        sql.Append(string.Join(", ", names)).Append(") VALUES (");
        var count = columns.Length + stamps.Length;
        sql.Append(string.Join(", ", Enumerable.Range(0, count).Select(i => "$p" + i))).Append(')');

        _command = connection.CreateCommand();
        _command.CommandText = sql.ToString();
        var parameters = Enumerable.Range(0, count).Select(i => new SqliteParameter { ParameterName = "$p" + i }).ToArray();
        _command.Parameters.AddRange(parameters);
        _values = parameters[..columns.Length];
        _timestamps = parameters[columns.Length..];
        _command.Prepare();
    }

    /// <summary>The column definitions, in the order of row values.</summary>
    public ColumnDef[] Definitions { get; }

    /// <summary>Conflict mode.</summary>
    public OnConflict OnConflict { get; }

    /// <summary>The column array most recently used with this statement (a fast path for repeated batches).</summary>
    public string[] Columns { get; set; }

    /// <summary>Inserts one row; returns the number of rows changed (0 when ignored).</summary>
    public int Execute(object?[] row, string timestamp)
    {
        for (var i = 0; i < _values.Length; i++) _values[i].Value = row[i] ?? DBNull.Value;
        for (var i = 0; i < _timestamps.Length; i++) _timestamps[i].Value = timestamp;
        return _command.ExecuteNonQuery();
    }

    public void Dispose() => _command.Dispose();
}
