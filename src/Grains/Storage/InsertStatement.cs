using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace DocTable.Orleans.Grains.Storage;

/// <summary>
/// One prepared <c>INSERT</c> for a fixed list of columns and conflict mode. Values are bound straight
/// to the SQLite statement (SQLitePCL's <c>sqlite3_bind_*</c>, text encoded into a reused buffer), then
/// stepped and reset: no command, reader or parameter objects per row. The table's added/updated
/// timestamps are bound here. Errors surface as <see cref="SqliteException"/>, as with ADO.NET commands.
/// </summary>
internal sealed class InsertStatement : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _statement;
    private readonly int _timestamps;
    private const int MaxBufferedText = 4096;
    private byte[] _text = new byte[256];

    public InsertStatement(SqliteConnection connection, string table, TableSchema schema, ColumnDef[] columns, OnConflict onConflict)
    {
        _connection = connection;
        Definitions = columns;
        FileColumns = [.. Enumerable.Range(0, columns.Length).Where(i => columns[i].Type.IsFile())];
        OnConflict = onConflict;
        Columns = columns.Select(c => c.Name).ToArray();
        var stamps = schema.Columns.Where(c => c.Role is ColumnRole.Added or ColumnRole.Updated).ToArray();
        _timestamps = stamps.Length;

        // Both modes are about uniqueness only. Ignore is an upsert clause, not INSERT OR IGNORE, which
        // would also skip rows that violate CHECK or NOT NULL. INSERT OR REPLACE deletes the rows a new
        // one conflicts with; for CHECK and FOREIGN KEY it aborts, and the NULL-to-default substitution
        // it does for NOT NULL columns never happens because ValueChecks refuses NULL (and NaN, which
        // SQLite binds as NULL) in a NOT NULL column before anything is written.
        var sql = new StringBuilder(onConflict == OnConflict.Replace ? "INSERT OR REPLACE INTO " : "INSERT INTO ")
            .Append(Identifier.Quote(table)).Append(" (");
        var names = columns.Concat(stamps).Select(c => Identifier.Quote(c.Name));
        sql.Append(string.Join(", ", names)).Append(") VALUES (");
        var count = columns.Length + stamps.Length;
        sql.Append(string.Join(", ", Enumerable.Range(0, count).Select(i => "?" + (i + 1)))).Append(')');
        if (onConflict == OnConflict.Ignore) sql.Append(" ON CONFLICT DO NOTHING");

        var db = connection.Handle!;
        var rc = raw.sqlite3_prepare_v2(db, sql.ToString(), out _statement);
        SqliteException.ThrowExceptionForRC(rc, db);
    }

    /// <summary>The column definitions, in the order of row values.</summary>
    public ColumnDef[] Definitions { get; }

    /// <summary>Positions (in <see cref="Definitions"/>) of file-backed columns; empty for most tables.</summary>
    public int[] FileColumns { get; }

    /// <summary>Conflict mode.</summary>
    public OnConflict OnConflict { get; }

    /// <summary>The column array most recently used with this statement (a fast path for repeated batches).</summary>
    public string[] Columns { get; set; }

    /// <summary>Binds the table's added/updated timestamps for the rows that follow (bindings outlive each row's reset).</summary>
    public void SetTimestamp(string timestamp)
    {
        var db = _connection.Handle!;
        for (var i = 0; i < _timestamps; i++) Check(BindText(Definitions.Length + i + 1, timestamp), db);
    }

    /// <summary>Inserts one row with the timestamp last set; returns the number of rows changed (0 when ignored).</summary>
    public int Execute(object?[] row)
    {
        var db = _connection.Handle!;
        var values = Definitions.Length;
        for (var i = 0; i < values; i++) Check(Bind(i + 1, row[i]), db);
        StatementCache.Step(_statement, db);
        return raw.sqlite3_changes(db);
    }

    private int Bind(int index, object? value) => value switch
    {
        null => raw.sqlite3_bind_null(_statement, index),
        long l => raw.sqlite3_bind_int64(_statement, index, l),
        double d => raw.sqlite3_bind_double(_statement, index, d),
        string s => BindText(index, s),
        byte[] b => raw.sqlite3_bind_blob(_statement, index, b),
        // Validation admits only storage values; anything else is a bug upstream.
        _ => throw new ColumnTypeException($"Value of type {value.GetType().Name} is not a storage value (long, double, string, byte[] or null)."),
    };

    /// <summary>Binds text as UTF-8 from a reused buffer (SQLite copies it); long texts bypass the buffer.</summary>
    private int BindText(int index, string text)
    {
        if (text.Length > MaxBufferedText) return raw.sqlite3_bind_text(_statement, index, text);
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (max > _text.Length) _text = new byte[max];
        var length = Encoding.UTF8.GetBytes(text, _text);
        return raw.sqlite3_bind_text(_statement, index, _text.AsSpan(0, length));
    }

    private static void Check(int rc, sqlite3 db)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, db);
    }

    public void Dispose() => _statement.Dispose();
}
