using Orleans.Configuration;
using DocTable.Orleans.Client.Cli;
using DocTable.Orleans.Tests.Embedded.Support;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>The queue inserter flushes on size, timer, FlushAsync, dispose, idle deactivation and shutdown, and loses nothing.</summary>
public sealed class QueueInserterTests
{
    private const string Table = "queued";

    private static SimpleRow Row(int n, string process = "q") => new() { Process = process, Number = n };

    private static async Task<int[]> NumbersAsync(DocTableClient client)
        => (await client.Table<SimpleRow>(Table).SelectAsync()).Select(r => r.Number).Order().ToArray();

    [Fact]
    public async Task FullChunk_IsWrittenBeforeTheInsertReturns()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var db = client.Table<SimpleRow>(Table);
        await using var inserter = db.GetQueueInserter(chunkSize: 3);

        await inserter.InsertAsync(Row(0));
        await inserter.InsertAsync(Row(1));
        Assert.Equal(0, await db.CountAsync());
        Assert.Equal(2, await inserter.GetPendingAsync());

        await inserter.InsertAsync(Row(2));
        Assert.Equal(3, await db.CountAsync());
        Assert.Equal(0, await inserter.GetPendingAsync());

        await inserter.InsertManyAsync([Row(3), Row(4), Row(5), Row(6)]);
        Assert.Equal(6, await db.CountAsync());
        Assert.Equal(1, await inserter.GetPendingAsync());
    }

    [Fact]
    public async Task FlushInterval_WritesWaitingRowsWithoutAnyFurtherCall()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var db = client.Table<SimpleRow>(Table);
        var inserter = db.GetQueueInserter(chunkSize: 1000, flushInterval: TimeSpan.FromMilliseconds(100));
        for (var i = 0; i < 5; i++) await inserter.InsertAsync(Row(i));

        await Wait.UntilAsync(async () => await db.CountAsync() == 5, "the timer flushed the 5 rows");
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, await NumbersAsync(client));
        Assert.Equal(0, await inserter.GetPendingAsync());
    }

    [Fact]
    public async Task FlushAsync_WritesEverythingAndReturnsTheCount()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var db = client.Table<SimpleRow>(Table);
        var inserter = db.GetQueueInserter(chunkSize: 100);
        Assert.Equal(0, await inserter.FlushAsync());
        for (var i = 0; i < 7; i++) await inserter.InsertAsync(Row(i));
        Assert.Equal(0, await db.CountAsync());

        Assert.Equal(7, await inserter.FlushAsync());
        Assert.Equal(7, await db.CountAsync());
        Assert.Equal(0, await inserter.FlushAsync());
    }

    [Fact]
    public async Task DisposeAsync_Flushes()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        await using (var inserter = client.Table<SimpleRow>(Table).GetQueueInserter(chunkSize: 100))
        {
            for (var i = 0; i < 7; i++) await inserter.InsertAsync(Row(i));
        }
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5, 6 }, await NumbersAsync(client));
    }

    [Fact]
    public async Task IdleDeactivation_Flushes_AndTheSameHandleKeepsWorkingAfterwards()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync(o => o.ConfigureSilo = silo => silo.Configure<GrainCollectionOptions>(c =>
        {
            c.CollectionAge = TimeSpan.FromMilliseconds(1500);
            c.CollectionQuantum = TimeSpan.FromMilliseconds(100);
        }));
        var db = client.Table<SimpleRow>(Table);
        var inserter = db.GetQueueInserter(chunkSize: 100, flushInterval: TimeSpan.FromHours(1));
        for (var i = 0; i < 4; i++) await inserter.InsertAsync(Row(i));
        Assert.Equal(0, await db.CountAsync());

        // Neither the chunk size nor the hour-long interval is reached: only idle deactivation flushes.
        // The inserter's timer ticks every second, more often than the collection age: ticks must not
        // count as activity (KeepAlive = false), or the grain would never go idle.
        await Wait.UntilAsync(async () => await db.CountAsync() == 4, "idle deactivation flushed the 4 rows");

        for (var i = 4; i < 6; i++) await inserter.InsertAsync(Row(i));
        Assert.Equal(2, await inserter.FlushAsync());
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5 }, await NumbersAsync(client));
    }

    [Fact]
    public async Task ExplicitDeactivateIdle_Flushes()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var inserter = client.Table<SimpleRow>(Table).GetQueueInserter(chunkSize: 100);
        for (var i = 0; i < 3; i++) await inserter.InsertAsync(Row(i));
        Assert.Equal(3, await inserter.GetPendingAsync()); // the three rows are in the grain now, not on their way

        // Collection deactivates the idle inserter in the background: its flush lands shortly after the call returns.
        await client.GrainFactory.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        await Wait.UntilAsync(async () => await client.Table<SimpleRow>(Table).CountAsync() == 3, "the collected inserter flushed its 3 rows");
        Assert.Equal(new[] { 0, 1, 2 }, await NumbersAsync(client));
    }

    [Fact]
    public async Task SiloShutdownWithBufferedRows_FlushesThemToTheFile()
    {
        await using var store = new TempStore();
        var first = await store.StartAsync();
        var inserter = first.Table<SimpleRow>(Table).GetQueueInserter(chunkSize: 100);
        for (var i = 0; i < 6; i++) await inserter.InsertAsync(Row(i));
        Assert.Equal(6, await inserter.GetPendingAsync());

        await first.DisposeAsync();

        Assert.Equal(6L, store.Query(Table, $"SELECT COUNT(*) FROM {Table}")[0][0]);
        var reopened = await store.StartAsync();
        Assert.Equal(new[] { 0, 1, 2, 3, 4, 5 }, await NumbersAsync(reopened));
    }

    [Fact]
    public async Task SiloShutdownRightAfterInserts_WritesRowsNotYetHandedToTheGrain()
    {
        await using var store = new TempStore();
        var first = await store.StartAsync();
        var inserter = first.Table<SimpleRow>(Table).GetQueueInserter(chunkSize: 1000);
        for (var i = 0; i < 500; i++) await inserter.InsertAsync(Row(i));

        // No flush, no pending query: some rows may still be on their way from the handle to the grain.
        await first.DisposeAsync();

        Assert.Equal(500L, store.Query(Table, $"SELECT COUNT(*) FROM {Table}")[0][0]);
    }

    [Fact]
    public async Task Verbose_PrintsInserting2Twice_ThenInserting1_ForChunk2Over5Rows()
    {
        await using var store = new TempStore();
        var output = new StringWriter();
        var client = await store.StartAsync();
        client.VerboseOutput = output;
        var db = client.Table<SimpleRow>(Table);
        await using (var inserter = db.GetQueueInserter(chunkSize: 2, verbose: true))
        {
            for (var i = 0; i < 5; i++) await inserter.InsertAsync(Row(i));
            await inserter.FlushAsync();
        }

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["Inserting 2 records.", "Inserting 2 records.", "Inserting 1 records."], lines);
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, await NumbersAsync(client));
    }

    [Fact]
    public async Task ManyProducersWithTheirOwnInserters_LoseNothing()
    {
        const int producers = 6, perProducer = 1_003;
        await using var store = new TempStore();
        var client = await store.StartAsync();
        await client.Distribute(producers).MapChunkAsync(Enumerable.Range(0, producers).ToArray(), async (chunk, producer, ct) =>
        {
            await using var inserter = producer.Table<SimpleRow>(Table).GetQueueInserter(chunkSize: 7, flushInterval: TimeSpan.FromMilliseconds(20));
            for (var i = 0; i < perProducer; i++) await inserter.InsertAsync(Row(i, "p" + chunk[0]), ct);
        }).WaitAsync(TimeSpan.FromMinutes(1));

        var rows = await client.Table<SimpleRow>(Table).SelectAsync();
        Assert.Equal(producers * perProducer, rows.Count);
        Assert.Equal(rows.Count, rows.Select(r => (r.Process, r.Number)).Distinct().Count());
        Assert.All(rows, r => Assert.InRange(r.Number, 0, perProducer - 1));
    }

    [Fact]
    public async Task ATimedFlushTheTableRejects_IsReportedToTheNextCall_AndTheInserterGoesOn()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var db = client.Table<KeyedRow>("keyed");
        await db.InsertAsync(new KeyedRow { Key = "taken" });
        var inserter = db.GetQueueInserter(chunkSize: 100, flushInterval: TimeSpan.FromMilliseconds(50));
        await inserter.InsertAsync(new KeyedRow { Key = "fresh" });
        await inserter.InsertAsync(new KeyedRow { Key = "taken" });

        await Wait.UntilAsync(async () => await inserter.GetPendingAsync() == 0, "the timer tried to flush");
        await Assert.ThrowsAsync<ConstraintViolationException>(() => inserter.FlushAsync());

        await inserter.InsertAsync(new KeyedRow { Key = "later" });
        Assert.Equal(1, await inserter.FlushAsync());
        Assert.Equal(new[] { "later", "taken" }, (await db.SelectAsync()).Select(r => r.Key).Order());

        // The rejected chunk left no hole in the inserter's sequence: the next chunk took its number.
        var watermarks = store.Query("keyed", "SELECT producer, seq FROM __doctable_producers");
        var inserterWatermark = Assert.Single(watermarks);
        Assert.Contains("/keyed#", (string)inserterWatermark[0]!);   // producer/table#activation
        Assert.Equal(1L, inserterWatermark[1]);
        Assert.Empty(store.Query("keyed", "SELECT producer, seq FROM __doctable_batches"));
    }

    [Fact]
    public async Task ACancelledInsert_AddsNothing()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var db = client.Table<SimpleRow>(Table);
        await using var inserter = db.GetQueueInserter(chunkSize: 100);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => inserter.InsertAsync(Row(0), cancelled.Token));   // before the table is opened
        await inserter.InsertAsync(Row(1));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => inserter.InsertAsync(Row(2), cancelled.Token));   // once it is
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => inserter.InsertManyAsync([Row(3), Row(4)], cancelled.Token));

        Assert.Equal(1, await inserter.FlushAsync());
        Assert.Equal(new[] { 1 }, await NumbersAsync(client));
    }

    /// <summary>
    /// A call whose rows fill a chunk returns once the hand-over carrying them is answered (the chunks it
    /// filled committed), even while other callers keep adding rows without waiting; FlushAsync returns
    /// with every row added before it committed. Nothing is lost or doubled.
    /// </summary>
    [Fact]
    public async Task AFillingInsertAndFlush_Return_WhileOthersKeepAdding()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var db = client.Table<SimpleRow>(Table);
        await using var inserter = db.GetQueueInserter(chunkSize: 50);
        await inserter.InsertAsync(Row(-1, "open"));

        using var stop = new CancellationTokenSource();
        var added = new int[2];
        var unawaited = new System.Collections.Concurrent.ConcurrentBag<Task>();
        var adders = Enumerable.Range(0, 2).Select(a => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var insert = inserter.InsertAsync(Row(i, "adder" + a));   // not awaited: rows keep coming
                if (!insert.IsCompleted) unawaited.Add(insert);
                added[a] = i + 1;
                if (i % 16 == 0) await Task.Delay(1);   // a steady stream the table keeps up with (some 10,000 rows/s)
            }
        })).ToArray();
        try
        {
            await Wait.UntilAsync(() => Task.FromResult(added[0] > 200 && added[1] > 200), "both adders are adding");
            for (var round = 0; round < 5; round++)
            {
                await inserter.InsertManyAsync(Enumerable.Range(0, 50).Select(i => Row(i, "filler" + round))).WaitAsync(TimeSpan.FromMinutes(2));
                var before = added.Sum();
                await inserter.FlushAsync().WaitAsync(TimeSpan.FromMinutes(2));
                Assert.True(await db.CountAsync(db["process"] != "open") >= before + 50 * (round + 1), "FlushAsync wrote every row added before it");
            }
            Assert.False(adders.Any(a => a.IsCompleted), "the adders were still adding throughout");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(adders);
        }
        await Task.WhenAll(unawaited);
        await inserter.FlushAsync();
        Assert.Equal(1 + 5 * 50 + added.Sum(), await db.CountAsync());
        for (var a = 0; a < 2; a++)
            Assert.Equal(added[a], await db.CountAsync(db["process"] == "adder" + a));
    }

    /// <summary>
    /// Two inserts whose rows fill one chunk that the table rejects are both told; a flush afterwards
    /// has nothing more to report, and an insert that only adds rows never throws an earlier chunk's error.
    /// </summary>
    [Fact]
    public async Task EveryInsertCarriedByARejectedChunk_IsTold_AndOnlyThey()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var db = client.Table<KeyedRow>("keyed");
        await db.InsertAsync(new KeyedRow { Key = "taken" });
        var inserter = db.GetQueueInserter(chunkSize: 2);
        await inserter.InsertAsync(new KeyedRow { Key = "opened" });   // opens the table
        Assert.Equal(1, await inserter.GetPendingAsync());                // handed over: 1 row waits in the grain

        // The first call fills a chunk and its hand-over leaves at once (a commit takes milliseconds);
        // the next two are added while it runs, so the next hand-over carries both, and their chunk
        // holds a UNIQUE conflict. The first call's chunk is committed: it is not told of the other's error.
        var first = inserter.InsertAsync(new KeyedRow { Key = "first" });
        var a = inserter.InsertAsync(new KeyedRow { Key = "taken" });
        var b = inserter.InsertAsync(new KeyedRow { Key = "fresh" });
        await first;
        await Assert.ThrowsAsync<ConstraintViolationException>(() => a);
        await Assert.ThrowsAsync<ConstraintViolationException>(() => b);

        Assert.Equal(0, await inserter.FlushAsync());   // both were told: nothing left to report, nothing waiting
        await inserter.InsertAsync(new KeyedRow { Key = "after" });
        Assert.Equal(1, await inserter.FlushAsync());
        Assert.Equal(new[] { "after", "first", "opened", "taken" }, (await db.SelectAsync()).Select(r => r.Key).Order());
    }
}
