using Microsoft.Data.Sqlite;

namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>
/// A prepared <c>INSERT</c> of one benchmark row on a plain connection, with its parameter objects
/// created once (the same statement the table grain prepares: process, number, updated).
/// </summary>
public sealed class RawInsert : IDisposable
{
    private readonly SqliteCommand _command;
    private readonly SqliteParameter _process;
    private readonly SqliteParameter _number;
    private readonly SqliteParameter _updated;

    /// <summary>Prepares the statement on <paramref name="connection"/>.</summary>
    public RawInsert(SqliteConnection connection)
    {
        _command = connection.CreateCommand();
        _command.CommandText = $"INSERT INTO \"{BenchTable.Name}\" (\"process\", \"number\", \"updated\") VALUES ($p0, $p1, $p2)";
        _process = _command.Parameters.Add("$p0", SqliteType.Text);
        _number = _command.Parameters.Add("$p1", SqliteType.Integer);
        _updated = _command.Parameters.Add("$p2", SqliteType.Text);
        _command.Prepare();
    }

    /// <summary>Inserts one row (autocommit unless a transaction is open).</summary>
    public void Insert(string process, long number, string updated)
    {
        _process.Value = process;
        _number.Value = number;
        _updated.Value = updated;
        _command.ExecuteNonQuery();
    }

    /// <inheritdoc/>
    public void Dispose() => _command.Dispose();
}
