using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>
/// The ceiling's insert: one statement prepared on the native SQLite handle, values bound directly
/// (text as UTF-8 from a reused buffer), stepped and reset — no ADO.NET command per row. The table
/// grain binds its rows the same way, so S0 is the cost of SQLite itself, not of a wrapper.
/// </summary>
public sealed class NativeInsert : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly sqlite3_stmt _statement;
    private byte[] _text = new byte[256];

    /// <summary>Prepares the statement on <paramref name="connection"/>.</summary>
    public NativeInsert(SqliteConnection connection)
    {
        _connection = connection;
        var db = connection.Handle!;
        var rc = raw.sqlite3_prepare_v2(db, $"INSERT INTO \"{BenchTable.Name}\" (\"process\", \"number\", \"updated\") VALUES (?1, ?2, ?3)", out _statement);
        SqliteException.ThrowExceptionForRC(rc, db);
    }

    /// <summary>Binds the timestamp for the rows that follow (a binding outlives each row's reset).</summary>
    public void SetUpdated(string updated) => Check(BindText(3, updated));

    /// <summary>Inserts one row with the timestamp last set.</summary>
    public void Insert(string process, long number)
    {
        Check(BindText(1, process));
        Check(raw.sqlite3_bind_int64(_statement, 2, number));
        var rc = raw.sqlite3_step(_statement);
        raw.sqlite3_reset(_statement);
        if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, _connection.Handle!);
    }

    private int BindText(int index, string text)
    {
        var max = Encoding.UTF8.GetMaxByteCount(text.Length);
        if (max > _text.Length) _text = new byte[max];
        var length = Encoding.UTF8.GetBytes(text, _text);
        return raw.sqlite3_bind_text(_statement, index, _text.AsSpan(0, length));
    }

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK) SqliteException.ThrowExceptionForRC(rc, _connection.Handle!);
    }

    /// <inheritdoc/>
    public void Dispose() => _statement.Dispose();
}
