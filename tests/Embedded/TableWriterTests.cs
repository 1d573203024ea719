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
            writes = Enumerable.Range(0, writers).Select(i => db.InsertAsync(new SimpleRow { Process = "w", Number = i })).ToArray();
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

    /// <summary>Holds the table file's write lock from a connection of the test's own until disposed.</summary>
    private static SqliteConnection LockFile(TempStore store)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = store.TablePath(Table), Pooling = false }.ToString());
        connection.Open();
        using var begin = connection.CreateCommand();
        begin.CommandText = "BEGIN IMMEDIATE";
        begin.ExecuteNonQuery();
        return connection;
    }
}
