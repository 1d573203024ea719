using DocTable.Orleans.Wire;
using Xunit;

namespace DocTable.Orleans.Tests.Cluster;

/// <summary>The cluster's binary wire format: round trips and hostile input (no broker needed).</summary>
public sealed class WireCodecTests
{
    [Fact]
    public void Insert_call_round_trips_with_its_stamped_sequence()
    {
        var batch = new RowBatch(["process", "number", "score", "blob", "note"],
            [["AB", 1L, 0.5, new byte[] { 1, 2 }, null], ["CD", long.MaxValue, -1e300, Array.Empty<byte>(), "é✓"]]);
        var encoded = new GrainCall("InsertAsync", [batch, new InsertOptions(OnConflict.Ignore)], "producer-1").Encode();
        GrainCall.StampSequence(encoded, 42);

        var call = GrainCall.Decode(encoded);
        Assert.Equal("InsertAsync", call.Method);
        Assert.Equal("producer-1", call.ProducerId);
        Assert.Equal(42, call.Sequence);
        var decoded = Assert.IsType<RowBatch>(call.Arguments[0]);
        Assert.Equal(batch.Columns, decoded.Columns);
        Assert.Equal(2, decoded.Count);
        Assert.Equal(batch.Rows[1], decoded.Rows[1]);
        Assert.Equal([1, 2], (byte[])decoded.Rows[0][3]!);
        Assert.Null(decoded.Rows[0][4]);
        Assert.Equal(OnConflict.Ignore, Assert.IsType<InsertOptions>(call.Arguments[1]).OnConflict);
    }

    [Fact]
    public void Queries_schemas_filters_and_maps_round_trip()
    {
        var filter = (Col.Of("number") >= 10 & Col.Of("process").In("AB", "CD")) | !Col.Of("note").IsNull() | Col.Of("x").Between(1, 2.5) | Col.Of("p").Like("A%");
        var query = new SelectQuery(["process", "number"], filter, [OrderBy.Desc("number"), OrderBy.Asc("process")], 10, 5);
        var schema = new TableSchema([new ColumnDef("id", ColumnType.Int64, ColumnRole.Id, Nullable: false), new ColumnDef("n", ColumnType.Text, Unique: true, Indexed: true, DefaultSql: "'x'")]);
        var values = new Dictionary<string, object?> { ["process"] = "ZZ", ["number"] = null };
        var call = GrainCall.Decode(new GrainCall("Anything", [query, schema, values, true, 7]).Encode());

        var q = Assert.IsType<SelectQuery>(call.Arguments[0]);
        Assert.Equal(query.Columns, q.Columns);
        Assert.Equal(query.Where, q.Where, FilterComparer.Instance);
        Assert.Equal(query.OrderBy, q.OrderBy);
        Assert.Equal((10, 5), (q.Limit, q.Offset));
        var s = Assert.IsType<TableSchema>(call.Arguments[1]);
        Assert.Equal(schema.Columns, s.Columns);
        Assert.Equal(values, Assert.IsType<Dictionary<string, object?>>(call.Arguments[2]));
        Assert.Equal([true, 7], call.Arguments[3..]);
    }

    [Fact]
    public void Aggregates_keyset_pages_constraints_and_clean_reports_round_trip()
    {
        var aggregate = new AggregateQuery([Aggregate.Count(), Aggregate.Sum("number")], Col.Of("number") > 3, ["process"], 7);
        var page = new SelectQuery(["id"], null, null, 100, 0, long.MinValue);
        var schema = new TableSchema([new ColumnDef("a", ColumnType.Int64), new ColumnDef("b", ColumnType.Text, Nullable: false)],
            [new TableConstraint(ConstraintKind.Unique, "u_ab", ["a", "b"])]);
        var report = new CleanReport(["x.txt"], [new MissingFile(3, "body", "y.txt")], 2);
        var rows = new RowSet(["id"], [[5L]]) { LastRowId = 5 };
        var call = GrainCall.Decode(new GrainCall("Anything", [aggregate, page, schema, report, rows]).Encode());

        var a = Assert.IsType<AggregateQuery>(call.Arguments[0]);
        Assert.Equal(aggregate.Aggregates, a.Aggregates);
        Assert.Equal(aggregate.GroupBy, a.GroupBy);
        Assert.Equal(7, a.Limit);
        Assert.Equal(aggregate.Where, a.Where);
        Assert.Equal(long.MinValue, Assert.IsType<SelectQuery>(call.Arguments[1]).AfterRowId);
        var s = Assert.IsType<TableSchema>(call.Arguments[2]);
        Assert.Equal(schema.Columns, s.Columns);
        Assert.False(s.Columns[1].Nullable);
        Assert.Equal(["a", "b"], Assert.Single(s.Constraints).Columns);
        var r = Assert.IsType<CleanReport>(call.Arguments[3]);
        Assert.Equal(report.RemovedFiles, r.RemovedFiles);
        Assert.Equal(report.MissingFiles, r.MissingFiles);
        Assert.Equal(5, Assert.IsType<RowSet>(call.Arguments[4]).LastRowId);
    }

    [Fact]
    public void Replies_carry_results_and_typed_errors()
    {
        var result = Assert.IsType<WriteResult>(GrainReply.Decode(GrainReply.Success(new WriteResult([3, 4], 2, Task.CompletedTask))));
        Assert.Equal([3, 4], result.Ids);
        Assert.Equal(2, result.Affected);
        Assert.True(result.Durable.IsCompletedSuccessfully);
        var error = Assert.Throws<UnknownColumnException>(() => GrainReply.Decode(GrainReply.Failure("UnknownColumn", "Column 'x' does not exist")));
        Assert.Equal("Column 'x' does not exist", error.Message);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 9 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, (byte)'F', (byte)'o', (byte)'o', 1, 99 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, (byte)'F', (byte)'o', (byte)'o', 1, 7, 0xFF, 0xFF, 0xFF, 0xFF, 0x07 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, (byte)'F', (byte)'o', (byte)'o', 1, 4, 200 })]
    public void Hostile_bytes_are_malformed_messages_not_crashes_or_huge_allocations(byte[] bytes)
        => Assert.Throws<MalformedMessageException>(() => GrainCall.Decode(bytes));

    [Fact]
    public void Truncating_a_valid_call_anywhere_is_a_malformed_message()
    {
        var encoded = new GrainCall("InsertAsync", [new RowBatch(["a", "b"], [[1L, "x"], [2L, null]]), InsertOptions.Default]).Encode();
        for (var length = 0; length < encoded.Length; length++)
            Assert.Throws<MalformedMessageException>(() => GrainCall.Decode(encoded[..length]));
    }

    [Fact]
    public void Arguments_are_checked_against_the_method()
    {
        var method = typeof(ITableGrain).GetMethod(nameof(ITableGrain.CountAsync))!;
        Assert.Throws<MalformedMessageException>(() => new GrainCall("CountAsync", ["not a filter"]).BindArguments(method, default));
        Assert.Throws<MalformedMessageException>(() => new GrainCall("CountAsync", []).BindArguments(method, default));
        Assert.Equal(2, new GrainCall("CountAsync", [null]).BindArguments(method, default).Length);
    }

    /// <summary>Filters hold arrays, which records compare by reference; compare them by their printed form.</summary>
    private sealed class FilterComparer : IEqualityComparer<Filter?>
    {
        public static readonly FilterComparer Instance = new();

        public bool Equals(Filter? x, Filter? y) => Print(x) == Print(y);

        public int GetHashCode(Filter? obj) => Print(obj).GetHashCode(StringComparison.Ordinal);

        private static string Print(Filter? f) => f switch
        {
            null => "null",
            AndFilter a => "(" + string.Join(" & ", a.Parts.Select(Print)) + ")",
            OrFilter o => "(" + string.Join(" | ", o.Parts.Select(Print)) + ")",
            NotFilter n => "!" + Print(n.Inner),
            InFilter i => $"{i.Column} in [{string.Join(",", i.Values)}]",
            _ => f.ToString(),
        };
    }
}
