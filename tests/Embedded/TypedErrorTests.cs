using DocTable.Orleans.Tests.Embedded.Support;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>Failures outside SQLite (the file system, a bug) reach callers typed, never as raw .NET exceptions.</summary>
public sealed class TypedErrorTests
{
    public sealed class Doc
    {
        [IdColumn] public long Id { get; set; }
        public int N { get; set; }
        [TextFile] public string? Body { get; set; }
    }

    /// <summary>A file-column value the OS cannot read (EIO) is a <see cref="StorageException"/> naming the table, not a raw IOException.</summary>
    [Fact]
    public async Task UnreadableFileColumnValue_IsAStorageException()
    {
        if (!OperatingSystem.IsLinux()) return;   // /proc/self/mem stands in for a failing disk
        await using var store = new TempStore();
        var client = await store.StartAsync();
        var docs = client.Table<Doc>("docs");
        await docs.InsertManyAsync([new Doc { N = 1, Body = "one" }, new Doc { N = 2, Body = "two" }]);
        var folder = Path.Combine(store.DataDir, "docs.files");
        var victim = Directory.GetFiles(folder).Order().First();
        File.Delete(victim);
        // Reading /proc/self/mem from offset 0 fails with EIO, as a bad sector would.
        File.CreateSymbolicLink(victim, "/proc/self/mem");

        var error = await Assert.ThrowsAsync<StorageException>(() => docs.SelectAsync());
        Assert.Contains("'docs'", error.Message);
        Assert.Equal(2, await docs.CountAsync());
        Assert.Single((await docs.SelectRawAsync(new SelectQuery(["n"], docs["n"] == 1))).Rows);
    }

    public sealed class Scored
    {
        [IdColumn] public long Id { get; set; }
        [Column(Indexed = true)] public int Score { get; set; }
    }

    /// <summary>Asks for a composite index whose name is taken by the index of <see cref="Scored.Score"/>.</summary>
    [Index(nameof(Score), Name = "ix_scores_score")]
    public sealed class ScoredClash
    {
        [IdColumn] public long Id { get; set; }
        [Column(Indexed = true)] public int Score { get; set; }
    }

    /// <summary>A schema change SQLite refuses is a <see cref="SchemaException"/> in DocTable's words, and changes nothing.</summary>
    [Fact]
    public async Task SchemaChangeRefusedBySqlite_IsASchemaException_WithoutSqlitesPrefix()
    {
        await using var store = new TempStore();
        var client = await store.StartAsync();
        await client.Table<Scored>("scores").InsertAsync(new Scored { Score = 1 });

        var error = await Assert.ThrowsAsync<SchemaException>(() => client.Table<ScoredClash>("scores").OpenAsync());
        Assert.Contains("'scores'", error.Message);
        Assert.Contains("ix_scores_score", error.Message);
        Assert.DoesNotContain("SQLite Error", error.Message);
        Assert.Equal(1, await client.Table<Scored>("scores").CountAsync());
        Assert.Equal(["ix_scores_score"], store.Query("scores", "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'scores'").Select(r => (string)r[0]!));
    }
}
