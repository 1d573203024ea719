using DocTable.Orleans.Tests.Embedded.Support;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>
/// A data directory on a read-only file system (a tmpfs remounted read-only; chmod does not stop
/// root): tables are read, by read-only and writable handles alike; every write fails with
/// <see cref="StorageReadOnlyException"/> naming the directory; nothing creates a file there.
/// </summary>
public sealed class ReadOnlyDirectoryTests
{
    public sealed class Note
    {
        [IdColumn] public long Id { get; set; }
        public string Title { get; set; } = "";
        public int Number { get; set; }
        [TextFile] public string? Body { get; set; }
    }

    private static List<Note> Notes(int count) => [.. Enumerable.Range(1, count).Select(i => new Note { Title = "n" + i, Number = i, Body = "body " + i })];

    private static string[] Listing(string directory)
        => [.. Directory.GetFileSystemEntries(directory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    [TmpfsFact]
    public async Task ReadOnlyDirectory_TablesAreRead_WritesAreTypedAndNameTheDirectory_NoFileIsCreated()
    {
        using var mount = TmpfsMount.Create("8m");
        await using (var writer = await DocTableClient.StartEmbeddedAsync(mount.Path))
            await writer.Table<Note>("notes").InsertManyAsync(Notes(25));
        mount.RemountReadOnly();
        var before = Listing(mount.Path);

        var client = await DocTableClient.StartEmbeddedAsync(mount.Path);
        try
        {
            var ro = client.Table<Note>("notes", readOnly: true);
            Assert.Equal(25, await ro.CountAsync());
            Assert.Equal("body 7", (await ro.FirstAsync(ro["number"] == 7))!.Body);
            Assert.Equal(Enumerable.Range(1, 25), await ro.StreamAsync(chunkSize: 4).Select(n => n.Number).ToListAsync());
            Assert.Equal(325, await ro.Query().SumAsync(n => n.Number));

            // A writable handle opens the table (its schema matches) and reads; its writes are refused, typed.
            var rw = client.Table<Note>("notes");
            Assert.Equal(25, await rw.CountAsync());
            var insert = await Assert.ThrowsAsync<StorageReadOnlyException>(() => rw.InsertAsync(new Note { Title = "x" }));
            Assert.Contains(mount.Path, insert.Message);
            Assert.Contains("read-only", insert.Message);
            await Assert.ThrowsAsync<StorageReadOnlyException>(() => rw.UpdateAsync(new Dictionary<string, object?> { ["number"] = 0 }, allRows: true));
            await Assert.ThrowsAsync<StorageReadOnlyException>(() => rw.DeleteAsync(rw["number"] == 1));
            await Assert.ThrowsAsync<StorageReadOnlyException>(() => rw.Grain.CleanAsync());

            // A new table cannot be created: typed, naming the directory, not SQLite's "unable to open database file".
            var create = await Assert.ThrowsAsync<StorageReadOnlyException>(() => client.Table<Note>("fresh").InsertAsync(new Note { Title = "y" }));
            Assert.Contains(mount.Path, create.Message);
            await Assert.ThrowsAsync<UnknownTableException>(() => client.Table<Note>("missing", readOnly: true).CountAsync());

            Assert.Equal(25, await ro.CountAsync());
            Assert.Equal(before, Listing(mount.Path));

            // Writable again: the same activation writes.
            mount.RemountWritable();
            await rw.InsertAsync(new Note { Title = "later", Number = 26, Body = "body 26" });
            Assert.Equal(26, await ro.CountAsync());
        }
        finally
        {
            await client.DisposeAsync();
        }
    }
}
