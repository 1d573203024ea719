using Microsoft.Data.Sqlite;

namespace DocTable.Orleans.Tests.Embedded.Support;

/// <summary>
/// A data directory in the system temp folder for one test, with embedded clients over it. Disposing
/// stops every client it started (gracefully) and deletes the directory.
/// </summary>
public sealed class TempStore : IAsyncDisposable
{
    private readonly List<DocTableClient> _clients = [];

    /// <summary>Creates an empty temp data directory.</summary>
    public TempStore() => DataDir = Directory.CreateTempSubdirectory("doctable-test-").FullName;

    /// <summary>The data directory.</summary>
    public string DataDir { get; }

    /// <summary>Starts an embedded client over <see cref="DataDir"/>; it is stopped when the store is disposed.</summary>
    public async Task<DocTableClient> StartAsync(Action<EmbeddedSiloOptions>? configure = null)
    {
        var client = await DocTableClient.StartEmbeddedAsync(DataDir, configure);
        lock (_clients) _clients.Add(client);
        return client;
    }

    /// <summary>Path of a table's file.</summary>
    public string TablePath(string table) => Path.Combine(DataDir, table + ".db");

    /// <summary>Runs a query on the table file with a connection of its own (not through any grain).</summary>
    public List<object?[]> Query(string table, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = TablePath(table),
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
        }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Every row of a table as text (one string per row), read straight from the file, in id order.</summary>
    public List<string> Snapshot(string table)
        => Query(table, $"SELECT * FROM \"{table}\" ORDER BY rowid")
            .Select(r => string.Join("|", r.Select(v => v switch
            {
                null => "NULL",
                byte[] b => Convert.ToHexString(b),
                _ => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture),
            })))
            .ToList();

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        DocTableClient[] clients;
        lock (_clients) clients = [.. _clients];
        foreach (var client in clients)
        {
            try { await client.DisposeAsync(); }
            catch (ObjectDisposedException) { }
        }
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(DataDir, recursive: true);
                return;
            }
            catch (IOException) when (attempt < 20)
            {
                await Task.Delay(100);
            }
        }
    }
}
