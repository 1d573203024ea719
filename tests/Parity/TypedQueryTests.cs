using Xunit;

namespace DocTable.Orleans.Tests.Parity;

public sealed class TypedQueryTests : IAsyncLifetime
{
    private TempStore _store = null!;
    private Table<Sample> _table = null!;
    private static readonly DateTime Start = new(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public async Task InitializeAsync()
    {
        _store = await TempStore.CreateAsync();
        _table = _store.Client.Table<Sample>("samples");
        var rows = Enumerable.Range(0, 40).Select(i => new Sample
        {
            Process = i % 4 == 0 ? null : i % 2 == 0 ? "AB" : "CD",
            Number = i,
            Score = i % 5 == 0 ? null : i * 0.5,
            Flag = i % 3 == 0,
            Kind = (Kind)(i % 3),
            When = Start.AddDays(i),
        }).ToList();
        rows.Add(new Sample { Process = "50%_off\\x", Number = 100 });
        rows.Add(new Sample { Process = "50 percent", Number = 101 });
        await _table.InsertManyAsync(rows);
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public async Task WhereOrderTakeMatchesLinqToObjects()
    {
        var all = await _table.SelectAsync();
        var got = await _table.Where(r => r.Number > 10 && r.Process == "AB").OrderByDescending(r => r.Number).Take(3).ToListAsync();
        var expected = all.Where(r => r.Number > 10 && r.Process == "AB").OrderByDescending(r => r.Number).Take(3).Select(r => r.Id).ToList();
        Assert.Equal(expected, got.Select(r => r.Id).ToList());
        Assert.Equal(3, got.Count);
        Assert.All(got, r => Assert.Equal("AB", r.Process));
    }

    [Fact]
    public async Task CapturedVariablesMembersNullsBoolsEnumsAndDates()
    {
        var all = await _table.SelectAsync();
        var limits = new { Low = 5, High = 30 };
        var process = "CD";
        var cutoff = Start.AddDays(20);
        await AssertSame(all, r => r.Number >= limits.Low && r.Number < limits.High && r.Process != process);
        await AssertSame(all, r => r.Process == null || r.Score == null);
        await AssertSame(all, r => r.Process != null && !(r.Number < 20));
        await AssertSame(all, r => r.Flag && r.Kind == Kind.None);
        await AssertSame(all, r => !r.Flag || r.Kind != Kind.Alpha);
        await AssertSame(all, r => r.When > cutoff);
        await AssertSame(all, r => 10 < r.Number);
        await AssertSame(all, r => r.Score >= 3.5);
        await AssertSame(all, r => !(r.Score > 3.5));
        await AssertSame(all, r => r.Process != "AB");
        await AssertSame(all, r => r.Number == Math.Max(7, 3) * 2);
    }

    [Fact]
    public async Task StringMethodsBecomeEscapedLike()
    {
        // Unescaped, "50%_" would also match "50 percent" and "_" every non-empty text.
        Assert.Equal([41L], (await _table.Where(r => r.Process!.StartsWith("50%_")).ToListAsync()).Select(r => r.Id));
        Assert.Single(await _table.Where(r => r.Process!.EndsWith("_off\\x")).ToListAsync());
        Assert.Equal(2, (await _table.Where(r => r.Process!.StartsWith("50")).ToListAsync()).Count);
        Assert.Single(await _table.Where(r => r.Process!.Contains("%")).ToListAsync());
        Assert.Single(await _table.Where(r => r.Process!.Contains("_")).ToListAsync());
        Assert.Equal(20, await _table.Where(r => r.Process!.Contains("D")).CountAsync());
        // Negation keeps C# meaning on a nullable column: NULL rows are "not starting with".
        Assert.Equal(42 - 2, await _table.Where(r => !r.Process!.StartsWith("50")).CountAsync());
    }

    [Fact]
    public async Task CollectionContainsBecomesIn()
    {
        var numbers = new[] { 1, 5, 9, 999 };
        var list = new List<string?> { "AB", null };
        Assert.Equal([1, 5, 9], (await _table.Where(r => numbers.Contains(r.Number)).ToListAsync()).Select(r => r.Number));
        var all = await _table.SelectAsync();
        await AssertSame(all, r => list.Contains(r.Process));
        await AssertSame(all, r => Enumerable.Contains(numbers, r.Number) || r.Number > 38);
        Assert.Empty(await _table.Where(r => Array.Empty<int>().Contains(r.Number)).ToListAsync());
    }

    [Fact]
    public async Task PagingThenByFirstCountAndProjection()
    {
        var page = await _table.Where(r => r.Process != null).OrderBy(r => r.Process).ThenByDescending(r => r.Number).Skip(2).Take(4).ToListAsync();
        var all = await _table.SelectAsync();
        var expected = all.Where(r => r.Process != null).OrderBy(r => r.Process, StringComparer.Ordinal).ThenByDescending(r => r.Number).Skip(2).Take(4);
        Assert.Equal(expected.Select(r => r.Id), page.Select(r => r.Id));

        Assert.Equal(39, (await _table.OrderByDescending(r => r.Number).Skip(2).FirstAsync())!.Number);
        Assert.Null(await _table.Where(r => r.Number > 1000).FirstAsync());
        Assert.Equal(42, await _table.Query().CountAsync());
        Assert.Equal(5, await _table.Query().Skip(37).Take(10).CountAsync());
        Assert.True(await _table.Where(r => r.Number == 7).AnyAsync());

        var projected = _table.Where(r => r.Number < 3).OrderBy(r => r.Number).Select(r => new { r.Number, Twice = r.Number * 2 });
        Assert.Equal(["number"], projected.Columns);
        Assert.Equal([0, 2, 4], (await projected.ToListAsync()).Select(x => x.Twice));
    }

    [Fact]
    public void UnsupportedExpressionsThrowNamingTheExpression()
    {
        var e1 = Assert.Throws<UnsupportedExpressionException>(() => _table.Where(r => r.Process!.Length > 3));
        Assert.Contains("Length", e1.Message);
        var e2 = Assert.Throws<UnsupportedExpressionException>(() => _table.Where(r => r.Number == r.Id));
        Assert.Contains("r.Number", e2.Message);
        var e3 = Assert.Throws<UnsupportedExpressionException>(() => _table.Where(r => r.Process!.ToUpper() == "AB"));
        Assert.Contains("ToUpper", e3.Message);
        Assert.Throws<UnsupportedExpressionException>(() => _table.Where(r => r.Process!.StartsWith("a", StringComparison.Ordinal)));
        Assert.Throws<UnsupportedExpressionException>(() => _table.Where(r => r.Number > 5 == true));
        Assert.Throws<UnsupportedExpressionException>(() => _table.OrderBy(r => r.Number + 1));
        Assert.Throws<UnsupportedExpressionException>(() => _table.Query().Select(r => r));
        Assert.Throws<InvalidQueryException>(() => _table.Query().Take(3).Where(r => r.Number > 1));
    }

    private async Task AssertSame(List<Sample> all, System.Linq.Expressions.Expression<Func<Sample, bool>> predicate)
    {
        var expected = all.Where(predicate.Compile()).Select(r => r.Id).ToList();
        var got = (await _table.Where(predicate).ToListAsync()).Select(r => r.Id).ToList();
        Assert.Equal(expected, got);
        Assert.NotEmpty(expected);
    }
}
