using System.Collections.Concurrent;
using DocTable.Orleans.Client.Cli;
using DocTable.Orleans.Tests.Embedded.Support;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>Distribute(k).MapChunkAsync: contiguous chunks covering every item once, k concurrent producers, failures surface.</summary>
public sealed class DistributeTests
{
    private const string Table = "distributed";

    [Theory]
    [InlineData(100, 1)]
    [InlineData(100, 3)]
    [InlineData(100, 5)]
    [InlineData(100, 7)]
    [InlineData(100, 16)]
    [InlineData(10, 25)]
    [InlineData(0, 3)]
    public async Task Chunks_AreContiguous_AndCoverEveryItemOnce(int count, int workers)
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var items = Enumerable.Range(1000, count).ToArray();
        var seen = new ConcurrentDictionary<int, (string Producer, int[] Chunk)>();

        await client.Distribute(workers).MapChunkAsync(items, (chunk, producer, ct) =>
        {
            Assert.True(seen.TryAdd(producer.Index, (producer.Id, chunk.ToArray())), $"index {producer.Index} ran twice");
            return Task.CompletedTask;
        }).WaitAsync(Wait.Long);

        Assert.Equal(Enumerable.Range(0, workers), seen.Keys.Order());
        Assert.Equal(workers, seen.Values.Select(v => v.Producer).Distinct().Count());
        var chunks = seen.OrderBy(kv => kv.Key).Select(kv => kv.Value.Chunk).ToList();
        Assert.Equal(items, chunks.SelectMany(c => c));
        Assert.InRange(chunks.Max(c => c.Length) - chunks.Min(c => c.Length), 0, 1);
        Assert.All(chunks, c => Assert.Equal(Enumerable.Range(c.FirstOrDefault(), c.Length), c));
    }

    [Fact]
    public async Task AllKProducersRunAtTheSameTime_EvenFarBeyondTheCoreCount()
    {
        const int workers = 64;
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var arrived = 0;
        var everyone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        await client.Distribute(workers).MapChunkAsync(Enumerable.Range(0, workers).ToArray(), async (chunk, producer, ct) =>
        {
            if (Interlocked.Increment(ref arrived) == workers) everyone.SetResult();
            await everyone.Task.WaitAsync(Wait.Long, ct);
            await producer.Table<SimpleRow>(Table).InsertAsync(new SimpleRow { Process = producer.Id, Number = chunk[0] }, ct);
        }).WaitAsync(Wait.Long);

        var rows = await client.Table<SimpleRow>(Table).SelectAsync();
        Assert.Equal(Enumerable.Range(0, workers), rows.Select(r => r.Number).Order());
    }

    [Fact]
    public async Task AThrowingWorker_SurfacesAtOnce_CancelsTheOthers_AndCommittedRowsStay()
    {
        const int workers = 4, thrower = 2;
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var stopped = 0;
        using var othersWriting = new CountdownEvent(workers - 1);

        var run = client.Distribute(workers).MapChunkAsync(Enumerable.Range(0, workers).ToArray(), async (chunk, producer, ct) =>
        {
            var table = producer.Table<SimpleRow>(Table);
            if (producer.Index == thrower)
            {
                for (var i = 0; i < 10; i++) await table.InsertAsync(new SimpleRow { Process = "thrower", Number = i }, ct);
                await Task.Run(() => othersWriting.Wait(Wait.Long), ct);
                throw new InvalidOperationException("worker failed on purpose");
            }
            try
            {
                var i = 0;
                await table.InsertAsync(new SimpleRow { Process = "long" + producer.Index, Number = i++ }, ct);
                othersWriting.Signal();
                while (true)
                {
                    await Task.Delay(10, ct);
                    await table.InsertAsync(new SimpleRow { Process = "long" + producer.Index, Number = i++ }, ct);
                }
            }
            finally
            {
                Interlocked.Increment(ref stopped);
            }
        });

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => run.WaitAsync(Wait.Long));
        Assert.Equal("worker failed on purpose", error.Message);
        await Wait.UntilAsync(() => Volatile.Read(ref stopped) == workers - 1, "the other workers honoured cancellation");

        var db = client.Table<SimpleRow>(Table);
        Assert.Equal(Enumerable.Range(0, 10), (await db.SelectAsync(db["process"] == "thrower")).Select(r => r.Number));
        Assert.True(await db.CountAsync(db["process"].Like("long%")) >= workers - 1);
    }

    [Fact]
    public async Task CancellingTheCaller_CancelsTheWorkers()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        using var cts = new CancellationTokenSource();
        using var started = new CountdownEvent(3);

        var run = client.Distribute(3).MapChunkAsync(Enumerable.Range(0, 3).ToArray(), async (chunk, producer, ct) =>
        {
            started.Signal();
            await Task.Delay(Timeout.Infinite, ct);
        }, cts.Token);
        Assert.True(await Task.Run(() => started.Wait(Wait.Long)));
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run.WaitAsync(Wait.Long));
    }

    [Fact]
    public async Task ZeroWorkers_IsRefused()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        Assert.Throws<ArgumentOutOfRangeException>(() => client.Distribute(0));
    }
}
