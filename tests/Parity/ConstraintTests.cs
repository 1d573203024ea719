using Xunit;

namespace DocTable.Orleans.Tests.Parity;

public sealed class ConstraintTests
{
    /// <summary>The columns of the Pair variants below, which differ only in their constraints.</summary>
    public abstract class PairColumns
    {
        [IdColumn] public long Id { get; set; }
        public int A { get; set; }
        public int B { get; set; }
        public int Number { get; set; }
        public string Code { get; set; } = "x";
    }

    [Unique(nameof(PairColumns.A), nameof(PairColumns.B), Name = "uq_pair")]
    [Check("number >= 0 AND length(code) <= 3", Name = "ck_small")]
    [Index(nameof(PairColumns.B), nameof(PairColumns.Number), Name = "ix_b_number")]
    public sealed class Pair : PairColumns;

    [Unique(nameof(PairColumns.A), nameof(PairColumns.B), Name = "uq_pair")]
    [Check("number >= 1 AND length(code) <= 3", Name = "ck_small")]
    [Index(nameof(PairColumns.B), nameof(PairColumns.Number), Name = "ix_b_number")]
    public sealed class PairOtherCheck : PairColumns;

    [Check("number >= 0 AND length(code) <= 3", Name = "ck_small")]
    [Index(nameof(PairColumns.B), nameof(PairColumns.Number), Name = "ix_b_number")]
    [Index(nameof(PairColumns.Code), nameof(PairColumns.A))]
    public sealed class PairWithoutUnique : PairColumns;

    [Unique(nameof(PairColumns.A), nameof(PairColumns.B), Name = "uq_pair")]
    [Check("number >= 0 AND length(code) <= 3", Name = "ck_small")]
    [Index(nameof(PairColumns.B), nameof(PairColumns.Number), Name = "ix_b_number")]
    [Index(nameof(PairColumns.Code), nameof(PairColumns.A))]
    public sealed class PairMoreIndexes : PairColumns;

    [ForeignKey(nameof(ParentId), nameof(Id), Name = "fk_parent", OnDelete = ForeignKeyAction.Cascade)]
    public sealed class Node
    {
        [IdColumn] public long Id { get; set; }
        public long? ParentId { get; set; }
        public string? Label { get; set; }
    }

    [ForeignKey(nameof(ParentId), nameof(Id))]
    public sealed class StrictNode
    {
        [IdColumn] public long Id { get; set; }
        public long? ParentId { get; set; }
    }

    [ForeignKey(nameof(ParentId), nameof(Label))]
    public sealed class BadReference
    {
        [IdColumn] public long Id { get; set; }
        public long? ParentId { get; set; }
        public string? Label { get; set; }
    }

    [Fact]
    public async Task CompositeUniqueCheckAndIndexAreEnforcedAndNamed()
    {
        await using var store = await TempStore.CreateAsync();
        var table = store.Client.Table<Pair>("pairs");
        await table.InsertManyAsync([new Pair { A = 1, B = 1 }, new Pair { A = 1, B = 2 }, new Pair { A = 2, B = 1 }]);

        var unique = await Assert.ThrowsAsync<ConstraintViolationException>(() => table.InsertManyAsync([new Pair { A = 5, B = 5 }, new Pair { A = 1, B = 2 }]));
        Assert.Equal("uq_pair", unique.Constraint);
        Assert.Contains("'uq_pair'", unique.Message);

        var check = await Assert.ThrowsAsync<ConstraintViolationException>(() => table.InsertAsync(new Pair { A = 9, B = 9, Number = -1 }));
        Assert.Equal("ck_small", check.Constraint);
        Assert.Contains("'ck_small'", check.Message);
        var check2 = await Assert.ThrowsAsync<ConstraintViolationException>(() => table.UpdateAsync(new Dictionary<string, object?> { ["code"] = "toolong" }, Col.Of("a") == 1));
        Assert.Equal("ck_small", check2.Constraint);
        var unique2 = await Assert.ThrowsAsync<ConstraintViolationException>(() => table.UpdateAsync(new Dictionary<string, object?> { ["b"] = 1 }, Col.Of("a") == 1));
        Assert.Equal("uq_pair", unique2.Constraint);

        // Nothing of the rejected writes was done.
        Assert.Equal(3, await table.CountAsync());
        Assert.Equal(0, await table.Where(r => r.A == 5 || r.Code != "x").CountAsync());

        await store.Client.DisposeAsync();
        Assert.Contains("ix_b_number", MigrationTests.Indexes(store.Directory, "pairs"));
        await store.RestartAsync();

        // Reopen compares the stored constraints with the type's.
        Assert.Equal(3, (await store.Client.Table<Pair>("pairs").OpenAsync()).Constraints.Count);
        var changed = await Assert.ThrowsAsync<SchemaMismatchException>(() => store.Client.Table<PairOtherCheck>("pairs").OpenAsync());
        Assert.Contains("'ck_small'", changed.Message);
        Assert.Contains("number >= 1", changed.Message);
        var missing = await Assert.ThrowsAsync<SchemaMismatchException>(() => store.Client.Table<PairWithoutUnique>("pairs").OpenAsync());
        Assert.Contains("'uq_pair'", missing.Message);
        var schema = await store.Client.Table<PairMoreIndexes>("pairs").OpenAsync();
        Assert.NotNull(schema.FindConstraint("ix_code_a"));
        await store.Client.DisposeAsync();
        Assert.Contains("ix_code_a", MigrationTests.Indexes(store.Directory, "pairs"));
        await store.RestartAsync();
    }

    [Fact]
    public async Task SelfReferencingForeignKeyIsEnforced()
    {
        await using var store = await TempStore.CreateAsync();
        var nodes = store.Client.Table<Node>("nodes");
        var root = await nodes.InsertAsync(new Node { Label = "root" });
        var child = await nodes.InsertAsync(new Node { ParentId = root, Label = "child" });
        await nodes.InsertAsync(new Node { ParentId = child, Label = "grandchild" });

        var orphan = await Assert.ThrowsAsync<ConstraintViolationException>(() => nodes.InsertAsync(new Node { ParentId = 999 }));
        Assert.Equal("fk_parent", orphan.Constraint);
        Assert.Equal(3, await nodes.CountAsync());

        Assert.Equal(1, await nodes.DeleteAsync(Col.Of("id") == root));
        Assert.Equal(0, await nodes.CountAsync()); // cascaded

        var strict = store.Client.Table<StrictNode>("strict");
        var parent = await strict.InsertAsync(new StrictNode());
        await strict.InsertAsync(new StrictNode { ParentId = parent });
        var refused = await Assert.ThrowsAsync<ConstraintViolationException>(() => strict.DeleteAsync(Col.Of("id") == parent));
        Assert.Equal("fk_parent_id", refused.Constraint);
        Assert.Equal(2, await strict.CountAsync());

        Assert.Throws<SchemaException>(() => store.Client.Table<BadReference>("bad"));
    }

    [Theory]
    [InlineData("1); DROP TABLE t; --")]
    [InlineData("number > 0) , CONSTRAINT x CHECK (1")]
    [InlineData("number > (SELECT 1)")]
    [InlineData("\"number\" > 0")]
    [InlineData("number > 0 /* hidden */")]
    [InlineData("number > 0 -- hidden")]
    [InlineData("number > 0; ATTACH 'x' AS y")]
    [InlineData("randomblob(4) > 0")]
    [InlineData("number > ?")]
    [InlineData("number > 0, 1")]
    [InlineData("code = 'open")]
    [InlineData("(number > 0")]
    [InlineData("")]
    [InlineData("load_extension('x')")]
    public void CheckExpressionsOutsideTheGrammarAreRefusedBeforeAnyDdl(string expression)
    {
        // A schema as it could arrive over the wire: the constructor (also used by JSON) validates it.
        var columns = new List<ColumnDef> { new("id", ColumnType.Int64, ColumnRole.Id, Nullable: false), new("number", ColumnType.Int64), new("code", ColumnType.Text) };
        var e = Assert.Throws<SchemaException>(() => new TableSchema(columns, [new TableConstraint(ConstraintKind.Check, "ck", [], expression)]));
        Assert.Contains("'ck'", e.Message);
    }

    [Check("score <= 100")]
    public sealed class Scored
    {
        [IdColumn] public long Id { get; set; }
        public int Score { get; set; }
    }

    [Fact]
    public async Task UnnamedCheckGetsAStableNameFromItsText()
    {
        var name = RowMapper<Scored>.Instance.Schema.Constraints.Single().Name;
        Assert.Matches("^ck_[0-9a-f]{12}$", name);
        await using var store = await TempStore.CreateAsync();
        var e = await Assert.ThrowsAsync<ConstraintViolationException>(() => store.Client.Table<Scored>("scored").InsertAsync(new Scored { Score = 101 }));
        Assert.Equal(name, e.Constraint);
        Assert.Contains("score <= 100", e.Message);
    }

    [Fact]
    public void SchemaJsonKeepsConstraintsAndRefusesInjectedChecks()
    {
        var schema = RowMapper<Pair>.Instance.Schema;
        var json = DocTable.Orleans.Grains.Storage.TableSchemaJson.Serialize(schema);
        var back = DocTable.Orleans.Grains.Storage.TableSchemaJson.Deserialize(json);
        Assert.Equal(schema.Constraints.Select(c => c.Name + " " + c.Describe()), back.Constraints.Select(c => c.Name + " " + c.Describe()));
        Assert.Equal(schema.Columns, back.Columns);

        // A schema arriving over the wire with SQL smuggled into a CHECK is refused while it is read.
        var evil = System.Text.RegularExpressions.Regex.Replace(json, "\"Expression\":\"[^\"]*\"", "\"Expression\":\"1) ; DROP TABLE pairs; --\"");
        Assert.NotEqual(json, evil);
        var e = Assert.Throws<SchemaException>(() => DocTable.Orleans.Grains.Storage.TableSchemaJson.Deserialize(evil));
        Assert.Contains("'ck_small'", e.Message);
    }

    [Theory]
    [InlineData("number BETWEEN 1 AND 10 OR number IS NULL")]
    [InlineData("code IN ('a', 'b''c') AND NOT code LIKE 'z%'")]
    [InlineData("abs(number - 3) * 2 % 5 <> 1.5e2 AND upper(code) != lower(code) || 'x'")]
    [InlineData("coalesce(number, 0) >= -1")]
    public async Task CheckExpressionsInsideTheGrammarWork(string expression)
    {
        var columns = new List<ColumnDef> { new("id", ColumnType.Int64, ColumnRole.Id, Nullable: false), new("number", ColumnType.Int64), new("code", ColumnType.Text) };
        var schema = new TableSchema(columns, [new TableConstraint(ConstraintKind.Check, "ck", [], expression)]);
        await using var store = await TempStore.CreateAsync();
        var grain = store.Client.GrainFactory.GetGrain<ITableGrain>("t");
        var stored = await grain.OpenAsync(schema);
        Assert.Equal(expression, stored.FindConstraint("ck")!.Expression);
    }
}
