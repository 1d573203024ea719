using DocTable.Orleans.Tests.Embedded.Support;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>
/// Queries at SQLite's limits: an IN list of any length simply works (SQLite binds at most 32,766
/// parameters per statement), and an aggregate that overflows is a typed error that says so. No raw
/// SQLite error reaches a caller.
/// </summary>
public sealed class QueryLimitsTests : IAsyncLifetime
{
    public sealed class Measure
    {
        [IdColumn] public long Id { get; set; }
        public int N { get; set; }
        public string Name { get; set; } = "";
        public double Score { get; set; }
        public long Big { get; set; }
        public byte[]? Raw { get; set; }
        public bool Marked { get; set; }
    }

    private const int Rows = 3000;
    private readonly TempStore _store = new();
    private DocTableClient _client = null!;
    private Table<Measure> _db = null!;

    /// <summary>Rows n = 0..2999: name "m{n}", score n / 2, raw [n % 256, n / 256].</summary>
    public async Task InitializeAsync()
    {
        _client = await _store.StartAsync();
        _db = _client.Table<Measure>("measures");
        await _db.InsertManyAsync(Enumerable.Range(0, Rows).Select(n => new Measure { N = n, Name = "m" + n, Score = n / 2.0, Big = n, Raw = [(byte)(n % 256), (byte)(n / 256)] }));
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private static object[] Values(IEnumerable<object> values) => [.. values];

    [Fact]
    public async Task InFilter_WithAHundredThousandValues_Works_ForEveryCall()
    {
        // Even numbers 0..199998: the rows with an even n match.
        var evens = Values(Enumerable.Range(0, 100_000).Select(i => (object)(long)(2 * i)));
        var filter = new InFilter("n", evens);
        var expected = Enumerable.Range(0, Rows).Where(n => n % 2 == 0).ToArray();

        Assert.Equal(expected.Length, await _db.CountAsync(filter));
        Assert.Equal(expected, (await _db.SelectAsync(filter)).Select(r => r.N));
        Assert.Equal(expected, await _db.StreamAsync(chunkSize: 700, where: filter).Select(r => r.N).ToListAsync());
        Assert.Equal(Rows - expected.Length, await _db.CountAsync(!filter));
        var grouped = await _db.Query().GroupBy(r => r.Marked).AggregateAsync([Aggregate.Count()]);
        Assert.Equal((long)Rows, grouped.Rows.Sum(r => (long)r[1]!));
        var sum = await _db.AggregateAsync(new AggregateQuery([Aggregate.Sum("n")], filter));
        Assert.Equal(expected.Sum(n => (long)n), sum.Rows[0][0]);

        Assert.Equal(expected.Length, await _db.UpdateAsync(new Dictionary<string, object?> { ["marked"] = true }, filter));
        Assert.Equal(expected.Length, await _db.CountAsync(_db["marked"] == true));
        Assert.Equal(expected.Length, await _db.DeleteAsync(filter));
        Assert.Equal(Rows - expected.Length, await _db.CountAsync());
    }

    [Fact]
    public async Task ALongInList_ChecksItsValuesLikeAShortOne()
    {
        var mixed = Values(Enumerable.Range(0, 1000).Select(i => i == 500 ? (object)"five hundred" : (long)i));
        var error = await Assert.ThrowsAsync<ColumnTypeException>(() => _db.CountAsync(new InFilter("n", mixed)));
        Assert.Contains("'n'", error.Message);
        Assert.Contains("five hundred", error.Message);
        var wholeDoubles = Values(Enumerable.Range(0, 1000).Select(i => (object)(double)i));
        Assert.Equal(1000, await _db.CountAsync(new InFilter("n", wholeDoubles)));
    }

    [Fact]
    public async Task AndOrWithThousandsOfParts_StayWithinSqlitesExpressionDepth()
    {
        var anyOf = new OrFilter([.. Enumerable.Range(0, 5000).Select(n => _db["n"] == n)]);
        Assert.Equal(Rows, await _db.CountAsync(anyOf));
        var allOf = new AndFilter([.. Enumerable.Range(0, 5000).Select(n => _db["n"] >= 0)]);
        Assert.Equal(Rows, await _db.CountAsync(allOf));
        Assert.Equal(Rows - 1, await _db.CountAsync(new AndFilter([.. Enumerable.Range(0, 3000).Select(n => _db["name"] != "m7")])));
    }

    [Fact]
    public async Task InFilter_LongLists_OfTextRealAndBlobValues_MatchWhatShortListsMatch()
    {
        // The same wanted values, once alone (short list) and once among 100,000 that match nothing (long list).
        var wanted = new (string Column, object[] Values)[]
        {
            ("name", ["m5", "m17", "m2999", "nope", "M5"]),
            ("score", [2.5, 3.0, 1499.5, 0.25, 7L]),
            ("n", [5L, 17L, 2999L, 3.0]),
            ("big", [5L, long.MaxValue, 12.0]),
            ("raw", [new byte[] { 5, 0 }, new byte[] { 17, 0 }, new byte[] { 183, 11 }, new byte[] { 1 }]),
        };
        foreach (var (column, values) in wanted)
        {
            object Padding(int i) => values[0] switch
            {
                string => "pad" + i,
                byte[] => new byte[] { 1, 2, (byte)i, (byte)(i >> 8), (byte)(i >> 16) },
                double => -1.5 - i,
                _ => (object)(-1L - i), // a fraction tested for equality with an integer column is refused, in long lists as in short ones
            };
            var padded = Values(values.Concat(Enumerable.Range(0, 100_000).Select(Padding)));
            var shortIds = (await _db.SelectAsync(new InFilter(column, values))).Select(r => r.N).ToArray();
            Assert.NotEmpty(shortIds);
            Assert.Equal(shortIds, (await _db.SelectAsync(new InFilter(column, padded))).Select(r => r.N));
            Assert.Equal(Rows - shortIds.Length, await _db.CountAsync(new NotFilter(new InFilter(column, padded))));
        }
    }

    [Fact]
    public async Task InFilter_WithoutValues_OrANullValue_IsTyped()
    {
        var grain = _client.GrainFactory.GetGrain<ITableGrain>("measures");
        await Assert.ThrowsAsync<InvalidQueryException>(() => grain.CountAsync(new InFilter("n", null!)));
        var values = Values(Enumerable.Range(0, 100_000).Select(i => (object)(long)i));
        values[500] = null!;
        await Assert.ThrowsAsync<InvalidQueryException>(() => grain.CountAsync(new InFilter("n", values)));
        Assert.Equal(0, await _db.CountAsync(new InFilter("n", [])));
    }

    [Fact]
    public async Task SumThatOverflows_IsATypedErrorThatSaysSo_AndTheTableServesOn()
    {
        await _db.InsertManyAsync([new Measure { N = -1, Big = long.MaxValue, Name = "max" }]);

        var error = await Assert.ThrowsAsync<AggregateOverflowException>(() => _db.Query().SumAsync(r => r.Big));
        Assert.Contains("'big'", error.Message);
        Assert.Contains("overflow", error.Message);
        var grouped = await Assert.ThrowsAsync<AggregateOverflowException>(() => _db.Query().GroupBy(r => r.Marked).AggregateAsync([Aggregate.Sum("big"), Aggregate.Sum("n")]));
        Assert.Contains("'big'", grouped.Message);

        // Within range it still sums exactly; AVG does not overflow.
        Assert.Equal(long.MaxValue, await _db.Where(r => r.Name == "max").SumAsync(r => r.Big));
        Assert.IsType<double>((await _db.AggregateAsync(new AggregateQuery([Aggregate.Avg("big")]))).Rows[0][0]);
        Assert.Equal(Rows + 1, await _db.CountAsync());
    }
}
