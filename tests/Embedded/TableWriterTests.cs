using DocTable.Orleans.Client.Cli;
using DocTable.Orleans.Tests.Embedded.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>
/// The table grain's writer: concurrent writers share transactions (group commit), at most
/// MaxPendingRows rows are taken in before they commit (writers wait instead of memory growing), and a
/// write cancelled before the table runs it is never stored. Another connection holding the file's
/// write lock stands the writer still, so the waiting is observed, not timed.
/// </summary>
public sealed class TableWriterTests
{
    private const string Table = "writer";

    [Fact]
    public async Task ConcurrentSingleRowInserts_ShareTransactions()
    {
        const int writers = 32, perWriter = 200;
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var db = client.Table<SimpleRow>(Table);
        await db.OpenAsync();
        var before = await db.Grain.GetStatsAsync();

        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < perWriter; i++) await db.InsertAsync(new SimpleRow { Process = "w" + w, Number = i });
        }))).WaitAsync(Wait.Long);

        var stats = await db.Grain.GetStatsAsync();
        var commits = stats.Commits - before.Commits;
        Assert.Equal(writers * perWriter, stats.RowsInserted - before.RowsInserted);
        Assert.Equal(writers * perWriter, await db.CountAsync());
        // One commit per row would be 6,400 commits; group commit shares them.
        Assert.True(commits * 4 <= writers * perWriter, $"{commits} commits for {writers * perWriter} rows: writers did not share transactions");
    }

    [Fact]
    public async Task PendingRows_StayWithinTheBound_WhileTheFileIsLocked_ThenEveryWriteCompletes()
    {
        const int bound = 4, writers = 20;
        await using var store = new TempStore();
        var client = await store.StartAsync(o => o.Store.MaxPendingRows = bound);
        var db = client.Table<SimpleRow>(Table);
        await db.OpenAsync();

        Task<long>[] writes;
        using (var blocker = LockFile(store))
        {
            // One grain call per row (not through the client's combiner): this is about the table's own bound.
            writes = Enumerable.Range(0, writers)
                .Select(async i => (await db.Grain.InsertAsync(new RowBatch(SeedTable.Columns, [["w", (long)i]]), InsertOptions.Default)).Ids[0])
                .ToArray();
            await Wait.UntilAsync(async () => (await db.Grain.GetStatsAsync()).PendingRows == bound, "the table took in as many rows as its bound");
            for (var sample = 0; sample < 10; sample++)
            {
                var stats = await db.Grain.GetStatsAsync();
                Assert.InRange(stats.PendingRows, 0, bound);
                Assert.All(writes, w => Assert.False(w.IsCompleted));
                await Task.Delay(10);
            }
        }

        var ids = await Task.WhenAll(writes).WaitAsync(Wait.Long);
        Assert.Equal(writers, ids.Distinct().Count());
        Assert.Equal(writers, await db.CountAsync());
        var final = await db.Grain.GetStatsAsync();
        Assert.Equal(bound, final.PeakPendingRows);
        Assert.Equal(0, final.PendingRows);
    }

    [Fact]
    public async Task AWriteCancelledBeforeTheTableRunsIt_IsNeverStored()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var db = client.Table<SimpleRow>(Table);
        await db.OpenAsync();

        Task<long> first, third;
        Task<long> cancelled;
        using (var blocker = LockFile(store))
        {
            first = db.InsertAsync(new SimpleRow { Process = "first", Number = 1 });
            await Wait.UntilAsync(async () => (await db.Grain.GetStatsAsync()).PendingRows == 1, "the first write reached the locked file");
            using var cts = new CancellationTokenSource();
            cancelled = db.InsertAsync(new SimpleRow { Process = "cancelled", Number = 2 }, cts.Token);
            third = db.InsertAsync(new SimpleRow { Process = "third", Number = 3 });
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Wait.Long));
            // Orleans tells the table of the cancellation a moment after the caller stops waiting:
            // release the file only once the table has seen it.
            await Wait.UntilAsync(async () => (await db.Grain.GetStatsAsync()).Cancelled == 1, "the table saw the cancellation");
            Assert.False(first.IsCompleted);
        }

        await Task.WhenAll(first, third).WaitAsync(Wait.Long);
        Assert.Equal(["first", "third"], (await db.SelectAsync()).Select(r => r.Process));
    }

    [Fact]
    public async Task ManyConcurrentSingleRowInserts_TravelTogether_EachWithItsOwnIdOrError()
    {
        const int callers = 40;
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var db = client.Table<KeyedRow>("keyed");
        await db.InsertAsync(new KeyedRow { Key = "taken" });
        var before = await db.Grain.GetStatsAsync();

        Task<long>[] inserts;
        using (LockFile(store, "keyed"))
        {
            // The table cannot commit: the first calls wait at it, the rows of the others wait in this process.
            inserts = Enumerable.Range(0, callers).Select(i => Task.Run(() => db.InsertAsync(new KeyedRow { Key = i == 17 ? "taken" : "k" + i }))).ToArray();
            await Wait.UntilAsync(async () => (await db.Grain.GetStatsAsync()).PendingRows > 0, "the first rows reached the locked table");
        }

        var error = await Assert.ThrowsAsync<ConstraintViolationException>(() => inserts[17]);
        Assert.Contains("key", error.Message);
        var ids = await Task.WhenAll(inserts.Where((_, i) => i != 17));
        Assert.Equal(callers - 1, ids.Distinct().Count());
        var stored = (await db.SelectAsync()).ToDictionary(r => r.Id, r => r.Key);
        Assert.Equal(callers, stored.Count);
        for (var i = 0; i < callers; i++)
            if (i != 17) Assert.Equal("k" + i, stored[await inserts[i]]);
        var after = await db.Grain.GetStatsAsync();
        Assert.Equal(callers - 1, after.RowsInserted - before.RowsInserted);
        Assert.True(after.Writes - before.Writes < callers, $"{after.Writes - before.Writes} writes for {callers} rows: the rows did not travel together");
    }

    [Fact]
    public async Task ARowCancelledBeforeItLeavesTheProcess_IsNeverSent()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var db = client.Table<SimpleRow>(Table);
        await db.OpenAsync();

        Task<long>[] first;
        Task<long> cancelled;
        using (LockFile(store))
        {
            // Eight calls wait at the locked table; a ninth row waits in this process, and is cancelled there.
            first = Enumerable.Range(0, 8).Select(i => db.InsertAsync(new SimpleRow { Process = "first", Number = i })).ToArray();
            await Wait.UntilAsync(async () => (await db.Grain.GetStatsAsync()).PendingRows == 8, "eight rows reached the locked table");
            using var cts = new CancellationTokenSource();
            cancelled = db.InsertAsync(new SimpleRow { Process = "cancelled", Number = 8 }, cts.Token);
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(Wait.Long));
        }

        await Task.WhenAll(first).WaitAsync(Wait.Long);
        await db.InsertAsync(new SimpleRow { Process = "after", Number = 9 });
        var rows = await db.SelectAsync();
        Assert.Equal([.. Enumerable.Repeat("first", 8), "after"], rows.Select(r => r.Process));
    }

    /// <summary>Holds the table file's write lock from a connection of the test's own until disposed.</summary>
    private static SqliteConnection LockFile(TempStore store, string table = Table)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = store.TablePath(table), Pooling = false }.ToString());
        connection.Open();
        using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE";
        begin.ExecuteNonQuery();
        return connection;
    }
}
