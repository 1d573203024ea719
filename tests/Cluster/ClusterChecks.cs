using DocTable.Orleans.Client.Cli;
using Microsoft.Data.Sqlite;
using Xunit;

namespace DocTable.Orleans.Tests.Cluster;

/// <summary>Assertions shared by the cluster tests.</summary>
public static class ClusterChecks
{
    /// <summary>A client of the broker with a generous call timeout (the machine is slow and shared).</summary>
    public static Task<DocTableClient> ConnectAsync(string broker, TimeSpan? timeout = null)
        => DocTableClient.ConnectAsync(broker, new ClusterClientOptions { CallTimeout = timeout ?? TimeSpan.FromSeconds(60) });

    /// <summary>Row count of a table, through a short-lived client (it survives nothing, so it sees the cluster as it is now).</summary>
    public static async Task<long> CountAsync(string broker, string table)
    {
        await using var client = await ConnectAsync(broker);
        return await client.Table<SimpleRow>(table).CountAsync();
    }

    /// <summary>
    /// Waits until the table's file in <paramref name="dataDirectory"/> holds at least
    /// <paramref name="atLeast"/> committed rows, reading the file directly (a count through the table's
    /// queue would wait behind every batch already published). Returns the count seen.
    /// </summary>
    public static async Task<long> WaitForStoredRowsAsync(string dataDirectory, string table, long atLeast, TimeSpan timeout)
    {
        var path = Path.Combine(dataDirectory, table + ".db");
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var count = StoredRows(path, table);
            if (count >= atLeast) return count;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{path} holds {count} rows, not {atLeast}, after {timeout}.");
            await Task.Delay(10);
        }
    }

    private static long StoredRows(string path, string table)
    {
        if (!File.Exists(path)) return 0;
        try
        {
            using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT COUNT(*) FROM \"{table}\"";
            return (long)command.ExecuteScalar()!;
        }
        catch (SqliteException)
        {
            return 0; // not created yet, or busy for a moment
        }
    }

    /// <summary>
    /// Checks the seed workload's result: <paramref name="rows"/> rows, numbers 0..rows-1 each exactly
    /// once, each from the producer that owned its range (process p0..p{k-1}, contiguous ranges).
    /// </summary>
    public static async Task AssertExactlyOnceAsync(string broker, string table, long rows, int producers)
    {
        await using var client = await ConnectAsync(broker);
        var set = await client.Table<SimpleRow>(table).SelectRawAsync(new SelectQuery(["process", "number"]));
        Assert.Equal(rows, set.Rows.Count);
        var seen = new bool[rows];
        var starts = new long[producers + 1];
        for (var i = 0; i < producers; i++) starts[i + 1] = starts[i] + rows / producers + (i < rows % producers ? 1 : 0);
        foreach (var row in set.Rows)
        {
            var number = (long)row[1]!;
            Assert.InRange(number, 0, rows - 1);
            Assert.False(seen[number], $"number {number} is stored twice");
            seen[number] = true;
            var producer = Array.FindLastIndex(starts, s => s <= number);
            Assert.Equal($"p{producer}", row[0]);
        }
    }
}
