using Microsoft.Data.Sqlite;

namespace DocTable.Orleans.Grains.Storage;

/// <summary>
/// The batches each producer has stored, kept in the table's own file and written in the same
/// transaction as the batch's rows. Per producer: a watermark below which every sequence number is
/// stored (<c>__doctable_producers</c>), and the numbers stored above it (<c>__doctable_batches</c>)
/// because a later batch overtook an earlier one. So a retried early batch is not mistaken for a
/// duplicate once a later one committed, and no number is taken as stored unless it is.
/// Every question is asked of the file, never of a cache: another process may have written.
/// </summary>
internal sealed class ProducerSequences : IDisposable
{
    private const string Watermarks = "__doctable_producers";
    private const string Above = "__doctable_batches";

    private readonly SqliteCommand _readWatermark;
    private readonly SqliteCommand _holdsAbove;
    private readonly SqliteCommand _insertAbove;
    private readonly SqliteCommand _writeWatermark;
    private readonly SqliteCommand _deleteUpTo;
    private readonly SqliteCommand _listAbove;

    public ProducerSequences(SqliteConnection connection)
    {
        _readWatermark = Command(connection, $"SELECT seq FROM {Watermarks} WHERE producer = $p", "$p");
        _holdsAbove = Command(connection, $"SELECT 1 FROM {Above} WHERE producer = $p AND seq = $s", "$p", "$s");
        _insertAbove = Command(connection, $"INSERT OR IGNORE INTO {Above} (producer, seq) VALUES ($p, $s)", "$p", "$s");
        _writeWatermark = Command(connection, $"INSERT INTO {Watermarks} (producer, seq) VALUES ($p, $s) ON CONFLICT(producer) DO UPDATE SET seq = excluded.seq", "$p", "$s");
        _deleteUpTo = Command(connection, $"DELETE FROM {Above} WHERE producer = $p AND seq <= $s", "$p", "$s");
        _listAbove = Command(connection, $"SELECT seq FROM {Above} WHERE producer = $p ORDER BY seq", "$p");
    }

    /// <summary>Creates the two bookkeeping tables if they are missing.</summary>
    public static void CreateTables(Action<string> execute)
    {
        execute($"CREATE TABLE IF NOT EXISTS {Watermarks} (producer TEXT PRIMARY KEY, seq INTEGER NOT NULL)");
        execute($"CREATE TABLE IF NOT EXISTS {Above} (producer TEXT NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY (producer, seq)) WITHOUT ROWID");
    }

    /// <summary>True when the file holds batch <paramref name="sequence"/> of <paramref name="producer"/>.</summary>
    public bool Holds(string producer, long sequence)
        => sequence <= Watermark(producer) || Exists(producer, sequence);

    /// <summary>Records batch <paramref name="sequence"/> (not yet held) inside the open transaction.</summary>
    public void Record(string producer, long sequence)
    {
        var watermark = Watermark(producer);
        if (sequence != watermark + 1)
        {
            Run(_insertAbove, producer, sequence);
            return;
        }
        // The gap below closes: move the watermark over the numbers already stored above it.
        var next = sequence;
        while (Exists(producer, next + 1)) next++;
        if (next > sequence) Run(_deleteUpTo, producer, next);
        Run(_writeWatermark, producer, next);
    }

    /// <summary>The stored numbers of <paramref name="producer"/>, as the file holds them now.</summary>
    public ProducerProgress Progress(string producer)
    {
        var watermark = Watermark(producer);
        _listAbove.Parameters[0].Value = producer;
        var above = new List<long>();
        using (var reader = _listAbove.ExecuteReader())
            while (reader.Read()) above.Add(reader.GetInt64(0));
        return new ProducerProgress(watermark, [.. above]);
    }

    private long Watermark(string producer)
    {
        _readWatermark.Parameters[0].Value = producer;
        return _readWatermark.ExecuteScalar() is long stored ? stored : 0;
    }

    private bool Exists(string producer, long sequence)
    {
        _holdsAbove.Parameters[0].Value = producer;
        _holdsAbove.Parameters[1].Value = sequence;
        return _holdsAbove.ExecuteScalar() is not null;
    }

    private static void Run(SqliteCommand command, string producer, long sequence)
    {
        command.Parameters[0].Value = producer;
        command.Parameters[1].Value = sequence;
        command.ExecuteNonQuery();
    }

    private static SqliteCommand Command(SqliteConnection connection, string sql, params string[] parameters)
    {
        var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameters) command.Parameters.Add(new SqliteParameter(name, null));
        return command;
    }

    public void Dispose()
    {
        foreach (var command in new[] { _readWatermark, _holdsAbove, _insertAbove, _writeWatermark, _deleteUpTo, _listAbove })
            command.Dispose();
    }
}
