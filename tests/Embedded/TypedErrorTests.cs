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
}
