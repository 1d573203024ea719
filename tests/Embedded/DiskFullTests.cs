using DocTable.Orleans.Tests.Embedded.Support;
using Microsoft.Data.Sqlite;
using Xunit;
using Xunit.Abstractions;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>
/// DESIGN.md §3.5 on a real full disk (a 2 MB tmpfs): a batch that does not fit fails with
/// <see cref="StorageFullException"/>, every caller's answer is true (a write reported failed is not
/// stored, a write reported stored is), the file stays intact, and the table serves again once space returns.
/// </summary>
public sealed class DiskFullTests(ITestOutputHelper output)
{
    public sealed class FillRow
    {
        [IdColumn] public long Id { get; set; }
        public string Writer { get; set; } = "";
        public int N { get; set; }
        public string Payload { get; set; } = "";
    }

    private static List<FillRow> Rows(string writer, int count, int payload)
        => [.. Enumerable.Range(0, count).Select(i => new FillRow { Writer = writer, N = i, Payload = new string((char)('a' + i % 26), payload) })];

    private sealed record Call(string Writer, int Rows, Task<long[]> Task);

    /// <summary>
    /// 200 rows of 4 KB fit SQLite's page cache, so the batch fails when the commit writes the WAL;
    /// 1000 rows of 4 KB spill the page cache to the WAL while the batch runs, so it fails inside the batch.
    /// </summary>
    [TmpfsTheory]
    [InlineData(200)]
    [InlineData(1000)]
    public async Task DiskFull_InABatch_EveryCallerIsToldTheTruth_AndTheTableServesAgainOnceSpaceReturns(int bigRows)
    {
        using var mount = TmpfsMount.Create("2m");
        var client = await DocTableClient.StartEmbeddedAsync(mount.Path);
        try
        {
            var table = client.Table<FillRow>("t");
            await table.InsertManyAsync(Rows("base", 50, 100));
            var filler = Path.Combine(mount.Path, "filler");
            mount.Fill(filler, leave: 256 * 1024);

            // Writers before the big batch and writers queued behind it. Another connection holds the
            // file's write lock until every call is queued, so they all reach the writer at once and
            // share the big batch's transaction as far as group commit takes them.
            var calls = new List<Call>();
            using (var holder = Connection(Path.Combine(mount.Path, "t.db")))
            {
                Execute(holder, "BEGIN IMMEDIATE");
                for (var i = 0; i < 5; i++) calls.Add(new("before" + i, 10, table.InsertManyAsync(Rows("before" + i, 10, 100))));
                calls.Add(new("big", bigRows, table.InsertManyAsync(Rows("big", bigRows, 4000))));
                for (var i = 0; i < 8; i++) calls.Add(new("behind" + i, 10, table.InsertManyAsync(Rows("behind" + i, 10, 100))));
                var grain = client.GrainFactory.GetGrain<ITableGrain>("t");
                await Wait.UntilAsync(async () => (await grain.GetStatsAsync()).PendingRows == calls.Sum(c => c.Rows), "every write is queued");
                Execute(holder, "ROLLBACK");
            }
            try { await Task.WhenAll(calls.Select(c => c.Task)); } catch (Exception) { /* each call is checked below */ }

            var big = calls.Single(c => c.Writer == "big");
            var full = Assert.IsType<StorageFullException>(big.Task.Exception?.InnerException);
            Assert.Contains("full", full.Message);
            Assert.Contains(mount.Path, full.Message);
            var stored = await CheckAnswersAsync(table, calls);
            output.WriteLine($"big batch of {bigRows} rows: {full.Message}");
            output.WriteLine($"stored: {string.Join(", ", calls.Where(c => c.Task.IsCompletedSuccessfully).Select(c => c.Writer))}; failed: {string.Join(", ", calls.Where(c => !c.Task.IsCompletedSuccessfully).Select(c => c.Writer))}");

            // The grain still answers while the disk is full, then writes again once space returns.
            Assert.Equal(50 + stored, await table.CountAsync());
            File.Delete(filler);
            var after = await table.InsertManyAsync(Rows("after", 100, 100));
            Assert.Equal(100, after.Length);
            Assert.Equal(50 + stored + 100, await table.CountAsync());

            // Reopened from the file: intact, and exactly what callers were told.
            await client.DisposeAsync();
            Assert.Equal("ok", IntegrityCheck(Path.Combine(mount.Path, "t.db")));
            client = await DocTableClient.StartEmbeddedAsync(mount.Path);
            table = client.Table<FillRow>("t");
            Assert.Equal(50 + stored + 100, await table.CountAsync());
            await CheckAnswersAsync(table, calls);
        }
        finally
        {
            await client.DisposeAsync();
        }
    }

    /// <summary>
    /// A queue inserter's chunk that meets a full disk is not lost: the error reaches the producer, the
    /// rows stay pending, and the next flush once space returns stores each of them exactly once.
    /// </summary>
    [TmpfsFact]
    public async Task DiskFull_UnderAQueueInserter_KeepsTheChunk_AndTheNextFlushStoresItOnce()
    {
        using var mount = TmpfsMount.Create("2m");
        await using var client = await DocTableClient.StartEmbeddedAsync(mount.Path);
        var table = client.Table<FillRow>("q");
        await table.InsertManyAsync(Rows("base", 10, 100));
        var filler = Path.Combine(mount.Path, "filler");
        mount.Fill(filler, leave: 256 * 1024);

        await using var inserter = table.GetQueueInserter(chunkSize: 100);
        var full = await Assert.ThrowsAsync<StorageFullException>(() => inserter.InsertManyAsync(Rows("queued", 130, 4000)));
        Assert.Contains(mount.Path, full.Message);
        Assert.Equal(130, await inserter.GetPendingAsync());
        Assert.Equal(10, await table.CountAsync());
        await Assert.ThrowsAsync<StorageFullException>(() => inserter.FlushAsync());   // still full: still kept
        Assert.Equal(130, await inserter.GetPendingAsync());

        File.Delete(filler);
        Assert.Equal(130, await inserter.FlushAsync());
        Assert.Equal(0, await inserter.GetPendingAsync());
        Assert.Equal(130, await table.CountAsync(table["writer"] == "queued"));
        var numbers = (await table.SelectAsync(table["writer"] == "queued")).Select(r => r.N).Order().ToArray();
        Assert.Equal(Enumerable.Range(0, 130), numbers);
    }

    /// <summary>
    /// A timed flush that meets a full disk keeps its chunk; inserts after it are taken, not refused
    /// with that error (their rows would be lost); once space returns the timer writes everything, and
    /// a flush then has nothing to report.
    /// </summary>
    [TmpfsFact]
    public async Task DiskFull_UnderATimedFlush_InsertsGoOn_AndTheRowsAreWrittenOnceSpaceReturns()
    {
        using var mount = TmpfsMount.Create("2m");
        var log = new LogCapture();
        await using var client = await DocTableClient.StartEmbeddedAsync(mount.Path, o => o.ConfigureLogging = log.AddTo);
        var table = client.Table<FillRow>("q");
        await table.InsertManyAsync(Rows("base", 10, 100));
        var filler = Path.Combine(mount.Path, "filler");
        mount.Fill(filler, leave: 256 * 1024);

        await using var inserter = table.GetQueueInserter(chunkSize: 1000, flushInterval: TimeSpan.FromMilliseconds(50));
        await inserter.InsertManyAsync(Rows("queued", 100, 4000));
        await Wait.UntilAsync(() => Task.FromResult(log.Contains("timed flush of 100 rows failed")), "the timer met the full disk");
        await inserter.InsertManyAsync(Rows("later", 50, 100));
        Assert.Equal(150, await inserter.GetPendingAsync());   // handed over and taken, not refused with the timer's error
        Assert.Equal(10, await table.CountAsync());

        File.Delete(filler);
        await Wait.UntilAsync(async () => await table.CountAsync() == 160, "the timer wrote the kept chunk and the later rows");
        Assert.Equal(0, await inserter.FlushAsync());
        Assert.Equal(Enumerable.Range(0, 100), (await table.SelectAsync(table["writer"] == "queued")).Select(r => r.N).Order());
        Assert.Equal(Enumerable.Range(0, 50), (await table.SelectAsync(table["writer"] == "later")).Select(r => r.N).Order());
    }

    public sealed class FileRow
    {
        [IdColumn] public long Id { get; set; }
        public int N { get; set; }
        [BlobFile] public byte[]? Raw { get; set; }
    }

    /// <summary>A batch whose file-column files do not fit: typed, nothing stored, no file left behind.</summary>
    [TmpfsFact]
    public async Task DiskFull_WhileWritingTheFilesOfABatch_IsTyped_AndLeavesNoRowOrFile()
    {
        using var mount = TmpfsMount.Create("2m");
        await using var client = await DocTableClient.StartEmbeddedAsync(mount.Path);
        var table = client.Table<FileRow>("f");
        await table.InsertManyAsync([new FileRow { N = 0, Raw = [1, 2, 3] }]);
        var folder = Path.Combine(mount.Path, "f.files");
        var before = Directory.GetFiles(folder).Order().ToArray();
        var filler = Path.Combine(mount.Path, "filler");
        mount.Fill(filler, leave: 256 * 1024);

        var batch = Enumerable.Range(1, 10).Select(i => new FileRow { N = i, Raw = new byte[100_000] }).ToList();
        var full = await Assert.ThrowsAsync<StorageFullException>(() => table.InsertManyAsync(batch));
        Assert.Contains(mount.Path, full.Message);
        Assert.Equal(1, await table.CountAsync());
        Assert.Equal(before, Directory.GetFiles(folder).Order().ToArray());

        var update = await Assert.ThrowsAsync<StorageFullException>(() => table.UpdateAsync(new Dictionary<string, object?> { ["raw"] = new byte[1_000_000] }, allRows: true));
        Assert.Contains(mount.Path, update.Message);
        Assert.Equal([1, 2, 3], (await table.FirstAsync())!.Raw!);
        Assert.Equal(before, Directory.GetFiles(folder).Order().ToArray());

        File.Delete(filler);
        Assert.Equal(10, (await table.InsertManyAsync(batch)).Length);
        Assert.Equal(11, await table.CountAsync());
        Assert.Equal(100_000, (await table.FirstAsync(table["n"] == 10))!.Raw!.Length);
    }

    [Index(nameof(Payload))]
    public sealed class IndexedFillRow
    {
        [IdColumn] public long Id { get; set; }
        public string Writer { get; set; } = "";
        public int N { get; set; }
        public string Payload { get; set; } = "";
    }

    /// <summary>A schema change (here a new index) that does not fit: typed as a full disk, the table unchanged and still usable.</summary>
    [TmpfsFact]
    public async Task DiskFull_DuringASchemaChange_IsTyped_AndChangesNothing()
    {
        using var mount = TmpfsMount.Create("2m");
        await using var client = await DocTableClient.StartEmbeddedAsync(mount.Path);
        var table = client.Table<FillRow>("t");
        await table.InsertManyAsync(Rows("base", 150, 2000));
        var filler = Path.Combine(mount.Path, "filler");
        mount.Fill(filler, leave: 0);

        var full = await Assert.ThrowsAsync<StorageFullException>(() => client.Table<IndexedFillRow>("t").OpenAsync());
        Assert.Contains(mount.Path, full.Message);
        Assert.Equal(150, await table.CountAsync());

        File.Delete(filler);
        await client.Table<IndexedFillRow>("t").OpenAsync();
        Assert.Equal(150, await client.Table<IndexedFillRow>("t").CountAsync());
    }

    /// <summary>Each call's rows are all stored when it succeeded and none when it failed (with <see cref="StorageFullException"/>); returns the rows stored.</summary>
    private static async Task<long> CheckAnswersAsync(Table<FillRow> table, List<Call> calls)
    {
        long stored = 0;
        foreach (var call in calls)
        {
            var count = await table.CountAsync(table["writer"] == call.Writer);
            if (call.Task.IsCompletedSuccessfully)
            {
                Assert.True(call.Rows == count, $"{call.Writer} was told its {call.Rows} rows are stored, the table holds {count}");
                var ids = call.Task.Result;
                Assert.Equal(call.Rows, await table.CountAsync(new InFilter("id", [.. ids.Cast<object>()])));
                stored += count;
            }
            else
            {
                Assert.True(count == 0, $"{call.Writer} was told it failed ({call.Task.Exception?.InnerException?.Message}), the table holds {count} of its rows");
                Assert.IsType<StorageFullException>(call.Task.Exception?.InnerException);
            }
        }
        return stored;
    }

    private static string IntegrityCheck(string file)
    {
        using var connection = Connection(file);
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check";
        return (string)command.ExecuteScalar()!;
    }

    private static SqliteConnection Connection(string file)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
