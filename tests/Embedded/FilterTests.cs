using DocTable.Orleans.Tests.Embedded.Support;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>Filters, ordering, paging, first/head/count and filtered update/delete give exact results.</summary>
public sealed class FilterTests : IAsyncLifetime
{
    private readonly TempStore _store = new();
    private Table<FilterRow> _db = null!;

    /// <summary>Rows n = 0..19; name is null when n % 5 == 0, otherwise "n{n}"; even = n % 2 == 0.</summary>
    public async Task InitializeAsync()
    {
        _db = (await _store.StartAsync()).Table<FilterRow>("filtered");
        await _db.InsertManyAsync(Enumerable.Range(0, 20).Select(n => new FilterRow { N = n, Name = n % 5 == 0 ? null : "n" + n, Even = n % 2 == 0 }));
    }

    public async Task DisposeAsync() => await _store.DisposeAsync();

    private async Task<int[]> N(Filter? where, OrderBy[]? orderBy = null, int? limit = null, int offset = 0)
        => (await _db.SelectAsync(where, orderBy, limit, offset)).Select(r => r.N).ToArray();

    private static int[] Where(Func<int, bool> predicate) => Enumerable.Range(0, 20).Where(predicate).ToArray();

    private Col Num => _db["n"];

    [Fact]
    public async Task Comparisons_AreExact()
    {
        Assert.Equal(new[] { 3 }, await N(Num == 3));
        Assert.Equal(Where(n => n != 3), await N(Num != 3));
        Assert.Equal(Where(n => n < 3), await N(Num < 3));
        Assert.Equal(Where(n => n <= 3), await N(Num <= 3));
        Assert.Equal(Where(n => n > 16), await N(Num > 16));
        Assert.Equal(Where(n => n >= 16), await N(Num >= 16));
        Assert.Equal(Where(n => n > 2.5), await N(Num > 2.5));
        Assert.Equal(Where(n => n % 2 == 0), await N(_db["even"] == true));
        Assert.Equal(new[] { 7 }, await N(_db["name"] == "n7"));
        Assert.Equal(Where(n => n % 5 != 0 && string.CompareOrdinal("n" + n, "n5") > 0), await N(_db["name"] > "n5"));
    }

    [Fact]
    public async Task ValuesOfTheWrongType_AreRefused_NamingColumnTypeAndValue()
    {
        // Text against a numeric column, and a fraction tested for equality with an integer column, could never match as meant.
        var text = await Assert.ThrowsAsync<ColumnTypeException>(() => _db.CountAsync(Num >= "ten"));
        Assert.Contains("'n'", text.Message);
        Assert.Contains("Int32", text.Message);
        Assert.Contains("'ten'", text.Message);
        await Assert.ThrowsAsync<ColumnTypeException>(() => _db.CountAsync(_db["even"] == "yes"));
        await Assert.ThrowsAsync<ColumnTypeException>(() => _db.CountAsync(Num.Between("a", "z")));
        var fraction = await Assert.ThrowsAsync<ColumnTypeException>(() => _db.CountAsync(Num == 1.5));
        Assert.Contains("'n'", fraction.Message);
        Assert.Contains("Int32", fraction.Message);
        Assert.Contains("1.5", fraction.Message);
        await Assert.ThrowsAsync<ColumnTypeException>(() => _db.CountAsync(Num != 1.5));
        await Assert.ThrowsAsync<ColumnTypeException>(() => _db.CountAsync(Num.In(1, 2.5)));
        await Assert.ThrowsAsync<ColumnTypeException>(() => _db.CountAsync(_db["id"] == 1.5));
        await Assert.ThrowsAsync<InvalidQueryException>(() => _db.CountAsync(Num > double.NaN));

        // What can match stays allowed: whole numbers of any CLR type, whole doubles, fractions in an order comparison, numbers against text.
        Assert.Equal(new[] { 3 }, await N(Num == 3L));
        Assert.Equal(new[] { 3 }, await N(Num == 3.0));
        Assert.Equal(new[] { 2, 3 }, await N(Num.In(2.0, 3L)));
        Assert.Equal(Where(n => n > 2.5 && n < 4.5), await N(Num.Between(2.5, 4.5)));
        Assert.Equal(Where(n => n >= 15), await N(_db["id"] >= 16.0));
        Assert.Empty(await N(_db["name"] == 7));
    }

    [Fact]
    public async Task In_Between_Like_AreExact()
    {
        Assert.Equal(new[] { 1, 3 }, await N(Num.In(1, 3, 99)));
        Assert.Equal(Array.Empty<int>(), await N(Num.In(99)));
        Assert.Equal(new[] { 5, 6, 7, 8 }, await N(Num.Between(5, 8)));
        Assert.Equal(new[] { 1, 11, 12, 13, 14, 16, 17, 18, 19 }, await N(_db["name"].Like("n1%")));
        Assert.Equal(new[] { 1, 2, 3, 4, 6, 7, 8, 9 }, await N(_db["name"].Like("n_")));
    }

    [Fact]
    public async Task IsNull_And_IsNotNull_AreExact()
    {
        Assert.Equal(new[] { 0, 5, 10, 15 }, await N(_db["name"].IsNull()));
        Assert.Equal(new[] { 0, 5, 10, 15 }, await N(_db["name"] == null));
        Assert.Equal(Where(n => n % 5 != 0), await N(_db["name"].IsNotNull()));
        Assert.Equal(Where(n => n % 5 != 0), await N(_db["name"] != null));
    }

    [Fact]
    public async Task And_Or_Not_Combine()
    {
        Assert.Equal(Where(n => n > 5 && n % 2 == 0), await N(Num > 5 & _db["even"] == true));
        Assert.Equal(new[] { 0, 1, 18, 19 }, await N(Num < 2 | Num > 17));
        Assert.Equal(new[] { 18, 19 }, await N(!(Num < 18)));
        Assert.Equal(new[] { 1, 2, 3, 4, 16, 17, 18, 19 }, await N((Num < 5 | Num > 15) & !_db["name"].IsNull()));
        Assert.Equal(new[] { 0, 19 }, await N(new OrFilter([Num == 0, new AndFilter([Num > 18, _db["name"].Like("n%")])])));
    }

    [Fact]
    public async Task Values_AreBoundAsParameters()
    {
        Assert.Empty(await N(_db["name"] == "x' OR '1'='1"));
        Assert.Empty(await N(_db["name"].Like("%' OR 1=1 --")));
        Assert.Equal(20, await _db.CountAsync());
    }

    [Fact]
    public async Task OrderBy_Limit_Offset_AreExact()
    {
        Assert.Equal(new[] { 19, 18, 17 }, await N(null, [OrderBy.Desc("n")], limit: 3));
        Assert.Equal(new[] { 0, 2, 4, 6 }, await N(Num < 8, [OrderBy.Desc("even"), OrderBy.Asc("n")], limit: 4));
        Assert.Equal(new[] { 10, 11, 12, 13, 14 }, await N(null, limit: 5, offset: 10));
        Assert.Equal(new[] { 18, 19 }, await N(null, offset: 18));
        Assert.Equal(new[] { 8, 7 }, await N(Num < 10, [OrderBy.Desc("n")], limit: 2, offset: 1));
        Assert.Empty(await N(null, limit: 0));
        await Assert.ThrowsAsync<InvalidQueryException>(() => N(null, limit: -1));
        await Assert.ThrowsAsync<InvalidQueryException>(() => N(null, offset: -1));
    }

    [Fact]
    public async Task First_Head_Count_AreExact()
    {
        Assert.Equal(8, (await _db.FirstAsync(Num > 7))!.N);
        Assert.Equal(19, (await _db.FirstAsync(orderBy: [OrderBy.Desc("n")]))!.N);
        Assert.Null(await _db.FirstAsync(Num > 100));
        Assert.Equal(new[] { 0, 1, 2 }, (await _db.HeadAsync(3)).Select(r => r.N));
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, (await _db.HeadAsync()).Select(r => r.N));
        Assert.Equal(20, await _db.CountAsync());
        Assert.Equal(4, await _db.CountAsync(_db["name"].IsNull()));
        Assert.Equal(10, await _db.CountAsync(_db["even"] == false));
        Assert.Equal(0, await _db.CountAsync(Num > 100));
    }

    [Fact]
    public async Task UpdateWhere_ChangesExactlyTheMatchingRows()
    {
        Assert.Equal(3, await _db.UpdateAsync(new Dictionary<string, object?> { ["Name"] = "upd" }, Num.Between(0, 2)));
        Assert.Equal(new[] { 0, 1, 2 }, await N(_db["name"] == "upd"));
        Assert.Equal(0, await _db.UpdateAsync(new Dictionary<string, object?> { ["name"] = "none" }, Num > 100));
        Assert.Equal(20, await _db.UpdateAsync(new Dictionary<string, object?> { ["even"] = true }, allRows: true));
        Assert.Equal(20, await _db.CountAsync(_db["even"] == true));
        Assert.Equal(Enumerable.Range(0, 20).Select(n => n <= 2 ? "upd" : n % 5 == 0 ? null : "n" + n), (await _db.SelectAsync()).Select(r => r.Name));
    }

    [Fact]
    public async Task DeleteWhere_RemovesExactlyTheMatchingRows()
    {
        Assert.Equal(5, await _db.DeleteAsync(Num >= 15));
        Assert.Equal(3, await _db.DeleteAsync(_db["name"].IsNull()));
        Assert.Equal(Where(n => n < 15 && n % 5 != 0), await N(null));
        Assert.Equal(0, await _db.DeleteAsync(Num >= 15));
        Assert.Equal(12, await _db.CountAsync());
    }
}
