using Xunit;

namespace DocTable.Orleans.Tests.Parity;

public sealed class AggregateTests : IAsyncLifetime
{
    private TempStore _store = null!;
    private Table<Sample> _table = null!;
    private List<Sample> _rows = null!;

    public async Task InitializeAsync()
    {
        _store = await TempStore.CreateAsync();
        _table = _store.Client.Table<Sample>("agg");
        _rows = Enumerable.Range(1, 30).Select(i => new Sample
        {
            Process = i % 3 == 0 ? null : i % 3 == 1 ? "AB" : "CD",
            Number = i * 7 % 11,
            Score = i % 4 == 0 ? null : i / 4.0,
        }).ToList();
        await _table.InsertManyAsync(_rows);
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task ScalarAggregatesMatchLinq()
    {
        var big = _rows.Where(r => r.Number > 3).ToList();
        var q = _table.Where(r => r.Number > 3);
        Assert.Equal(big.Count, await q.CountAsync());
        Assert.Equal(big.Sum(r => (long)r.Number), await q.SumAsync(r => r.Number));
        Assert.Equal(big.Sum(r => r.Score ?? 0), await q.SumAsync(r => r.Score), 9);
        Assert.Equal(big.Average(r => r.Score)!.Value, (await q.AverageAsync(r => r.Score))!.Value, 9);
        Assert.Equal(big.Min(r => r.Number), await q.MinAsync(r => r.Number));
        Assert.Equal(big.Max(r => r.Score), await q.MaxAsync(r => r.Score));
        Assert.Equal(big.Where(r => r.Process != null).Select(r => r.Process).Distinct().Count(), await q.CountDistinctAsync(r => r.Process));
        Assert.Equal(big.Select(r => r.Number).Distinct().Order().ToList(), (await q.DistinctAsync(r => r.Number)).Select(n => n).ToList());
        Assert.Equal([null, "AB", "CD"], await _table.Query().DistinctAsync(r => r.Process));

        var none = _table.Where(r => r.Number > 1000);
        Assert.Equal(0, await none.SumAsync(r => r.Number));
        Assert.Null(await none.AverageAsync(r => r.Score));
        Assert.Null(await none.MinAsync(r => (int?)r.Number));
        Assert.Equal(10L, await none.MaxAsync(r => (long)r.Number) + 10);
    }

    [Fact]
    public async Task GroupByCountsAndAggregates()
    {
        var counts = await _table.Where(r => r.Number != 0).GroupBy(r => r.Process).CountAsync();
        var expected = _rows.Where(r => r.Number != 0).GroupBy(r => r.Process).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => (g.Key, (long)g.Count())).ToList();
        Assert.Equal(expected, counts);

        var set = await _table.Query().GroupBy(r => r.Process).AggregateAsync([Aggregate.Count(), Aggregate.Sum("number"), Aggregate.Max("score"), Aggregate.CountDistinct("number")]);
        Assert.Equal(["process", "count", "sum_number", "max_score", "count_distinct_number"], set.Columns);
        var ab = set.Rows.Single(r => (string?)r[0] == "AB");
        var abRows = _rows.Where(r => r.Process == "AB").ToList();
        Assert.Equal((long)abRows.Count, ab[1]);
        Assert.Equal(abRows.Sum(r => (long)r.Number), ab[2]);
        Assert.Equal(abRows.Max(r => r.Score), ab[3]);
        Assert.Equal((long)abRows.Select(r => r.Number).Distinct().Count(), ab[4]);
    }

    [Fact]
    public async Task BadAggregatesAreRejectedWithTypedErrors()
    {
        await Assert.ThrowsAsync<UnknownColumnException>(() => _table.AggregateAsync(new AggregateQuery([Aggregate.Sum("nope")])));
        await Assert.ThrowsAsync<InvalidIdentifierException>(() => _table.AggregateAsync(new AggregateQuery([Aggregate.Max("number); DROP TABLE agg; --")])));
        await Assert.ThrowsAsync<InvalidQueryException>(() => _table.AggregateAsync(new AggregateQuery([Aggregate.Sum("process")])));
        await Assert.ThrowsAsync<InvalidQueryException>(() => _table.AggregateAsync(new AggregateQuery([new Aggregate(AggregateFunction.Sum)])));
        await Assert.ThrowsAsync<InvalidQueryException>(() => _table.AggregateAsync(new AggregateQuery([new Aggregate((AggregateFunction)42, "number")])));
        await Assert.ThrowsAsync<InvalidQueryException>(() => _table.AggregateAsync(new AggregateQuery([])));
        await Assert.ThrowsAsync<InvalidQueryException>(() => _table.AggregateAsync(new AggregateQuery([Aggregate.Count(), Aggregate.Count()])));
        Assert.Equal(30, await _table.CountAsync());
    }
}

public sealed class StreamingTests
{
    [Fact]
    public async Task HundredThousandRowsStreamInBoundedChunksOnceAndInOrder()
    {
        await using var store = await TempStore.CreateAsync();
        var table = store.Client.Table<Sample>("big");
        const int total = 100_000;
        await table.InsertManyAsync(Enumerable.Range(0, total).Select(i => new Sample { Number = i, Process = i % 2 == 0 ? "even" : "odd" }));

        var chunks = 0;
        var expected = 0;
        long lastId = 0;
        await foreach (var chunk in table.StreamChunksAsync(chunkSize: 4096))
        {
            Assert.InRange(chunk.Count, 1, 4096);
            chunks++;
            foreach (var row in chunk)
            {
                Assert.Equal(expected++, row.Number);
                Assert.True(row.Id > lastId);
                lastId = row.Id;
            }
        }
        Assert.Equal(total, expected);
        Assert.Equal((total + 4095) / 4096, chunks);

        // With a filter, through the typed query, one row at a time.
        var odd = 0;
        await foreach (var row in table.Where(r => r.Process == "odd").StreamAsync(chunkSize: 999))
        {
            Assert.Equal(2 * odd + 1, row.Number);
            odd++;
        }
        Assert.Equal(total / 2, odd);
        Assert.Throws<InvalidQueryException>(() => table.OrderBy(r => r.Number).StreamAsync());
        await Assert.ThrowsAsync<InvalidQueryException>(() => table.SelectRawAsync(new SelectQuery(OrderBy: [OrderBy.Asc("number")], AfterRowId: 5)));
    }
}
