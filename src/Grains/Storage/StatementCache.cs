using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace DocTable.Orleans.Grains.Storage;

/// <summary>
/// Prepared statements without parameters (BEGIN, COMMIT, SAVEPOINT, RELEASE) kept for the life of a
/// connection, so the group-commit cycle prepares nothing and allocates no command or reader.
/// </summary>
internal sealed class StatementCache(SqliteConnection connection) : IDisposable
{
    private readonly Dictionary<string, sqlite3_stmt> _statements = new(StringComparer.Ordinal);

    /// <summary>Runs <paramref name="sql"/> (one statement, no parameters, no rows), preparing it on first use.</summary>
    public void Execute(string sql)
    {
        var db = connection.Handle!;
        if (!_statements.TryGetValue(sql, out var statement))
        {
            var prepared = raw.sqlite3_prepare_v2(db, sql, out statement);
            SqliteException.ThrowExceptionForRC(prepared, db);
            _statements[sql] = statement;
        }
        Step(statement, db);
    }

    /// <summary>Steps <paramref name="statement"/> to completion and resets it; errors become <see cref="SqliteException"/>.</summary>
    public static void Step(sqlite3_stmt statement, sqlite3 db)
    {
        var rc = raw.sqlite3_step(statement);
        try
        {
            if (rc != raw.SQLITE_DONE) SqliteException.ThrowExceptionForRC(rc, db);
        }
        finally
        {
            raw.sqlite3_reset(statement);
        }
    }

    /// <summary>Finalizes every statement; call before the connection closes.</summary>
    public void Dispose()
    {
        foreach (var statement in _statements.Values) statement.Dispose();
        _statements.Clear();
    }
}
