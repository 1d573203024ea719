using DocTable.Orleans.Client.Cli;
using Microsoft.Data.Sqlite;

namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>
/// The benchmark's table: DocTable's notebook row (<see cref="SimpleRow"/>: id, updated timestamp,
/// process text, number). Every scenario writes this shape; the raw-SQLite scenarios create the file
/// through the embedded store so the table is byte-for-byte the one the grains write.
/// </summary>
public static class BenchTable
{
    /// <summary>Table name.</summary>
    public const string Name = "bench";

    /// <summary>The name producer <paramref name="producer"/> writes in the process column.</summary>
    public static string ProcessName(int producer) => "P" + producer.ToString("D2", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Path of the table file in <paramref name="directory"/>.</summary>
    public static string PathIn(string directory) => Path.Combine(directory, Name + ".db");

    /// <summary>Creates the table with the embedded store and returns its file.</summary>
    public static async Task<string> CreateAsync(string directory, CancellationToken cancellationToken)
    {
        await using (var client = await DocTableClient.StartEmbeddedAsync(directory, cancellationToken: cancellationToken))
            await client.Table<SimpleRow>(Name).OpenAsync(cancellationToken);
        return PathIn(directory);
    }

    /// <summary>Opens a plain connection with a busy timeout, as DocTable does (timeout in seconds).</summary>
    public static SqliteConnection Open(string path, int busyTimeoutSeconds = 60)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = busyTimeoutSeconds,
        }.ToString());
        connection.Open();
        Execute(connection, $"PRAGMA busy_timeout = {busyTimeoutSeconds * 1000}");
        return connection;
    }

    /// <summary>Runs one statement.</summary>
    public static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>Rows in the table.</summary>
    public static long Count(string path)
    {
        using var connection = Open(path);
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM \"{Name}\"";
        return (long)command.ExecuteScalar()!;
    }
}
