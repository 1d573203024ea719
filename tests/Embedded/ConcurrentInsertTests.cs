using Xunit;
using System.Collections.Concurrent;
using DocTable.Orleans.Client.Cli;
using DocTable.Orleans.Tests.Embedded.Support;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>Many producers inserting single rows at once: nothing lost, nothing doubled, every caller gets its own ids.</summary>
public sealed class ConcurrentInsertTests
{
    private const string Table = "concurrent";

    [Fact]
    public async Task SixteenProducersTimesTenThousandSingleRowInserts_StoreEveryRowOnceWithTheCallersIds()
    {
        const int producers = 16, perProducer = 10_000;
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var returned = new ConcurrentDictionary<(string Process, int Number), long>();

        await client.Distribute(producers).MapChunkAsync(Enumerable.Range(0, producers).ToArray(), async (chunk, producer, ct) =>
        {
            var table = producer.Table<SimpleRow>(Table);
            var process = "p" + Assert.Single(chunk);
            for (var i = 0; i < perProducer; i++)
            {
                var id = await table.InsertAsync(new SimpleRow { Process = process, Number = i }, ct);
                Assert.True(returned.TryAdd((process, i), id), $"({process}, {i}) inserted twice");
            }
        }).WaitAsync(TimeSpan.FromMinutes(2));

        var db = client.Table<SimpleRow>(Table);
        Assert.Equal(producers * perProducer, await db.CountAsync());
        var rows = await db.SelectAsync();
        Assert.Equal(producers * perProducer, rows.Count);
        Assert.Equal(rows.Count, rows.Select(r => r.Id).Distinct().Count());
        var stored = rows.ToDictionary(r => r.Id, r => (r.Process!, r.Number));
        Assert.Equal(rows.Count, stored.Values.Distinct().Count());
        for (var p = 0; p < producers; p++)
            for (var i = 0; i < perProducer; i++)
                Assert.Equal(("p" + p, i), stored[returned[("p" + p, i)]]);
    }

    [Fact]
    public async Task ConcurrentCallersWithFullDurability_GetTheirOwnIds_AndRowsSurviveReopen()
    {
        const int callers = 8, perCaller = 250;
        await using var store = new TempStore();
        var returned = new ConcurrentDictionary<long, (string, int)>();
        await using (var client = await store.StartAsync())
        {
            var db = client.Table<SimpleRow>(Table);
            await Task.WhenAll(Enumerable.Range(0, callers).Select(c => Task.Run(async () =>
            {
                for (var i = 0; i < perCaller; i++)
                {
                    var id = await db.InsertAsync(new SimpleRow { Process = "c" + c, Number = i });
                    Assert.True(returned.TryAdd(id, ("c" + c, i)), $"id {id} returned twice");
                }
            }))).WaitAsync(TimeSpan.FromMinutes(1));
        }

        var reopened = await store.StartAsync();
        var rows = await reopened.Table<SimpleRow>(Table).SelectAsync();
        Assert.Equal(callers * perCaller, rows.Count);
        foreach (var row in rows) Assert.Equal(returned[row.Id], (row.Process!, row.Number));
    }

    [Fact]
    public async Task ACompletedInsert_IsCommitted_EvenWhileOtherWritesKeepTheTransactionBusy()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var db = client.Table<SimpleRow>(Table);
        await db.OpenAsync();
        using var stop = new CancellationTokenSource();
        var background = Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++) await db.InsertAsync(new SimpleRow { Process = "bg" + c, Number = i });
        })).ToArray();

        for (var i = 0; i < 30; i++)
        {
            var id = await db.InsertAsync(new SimpleRow { Process = "fg", Number = i });
            // Read by a connection of its own: only committed rows are visible to it.
            Assert.Equal("fg", store.Query(Table, $"SELECT process FROM {Table} WHERE id = {id}").Single()[0]);
        }
        await stop.CancelAsync();
        await Task.WhenAll(background).WaitAsync(Wait.Long);
    }
}
