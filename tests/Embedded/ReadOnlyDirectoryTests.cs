using DocTable.Orleans.Tests.Embedded.Support;
using Microsoft.Data.Sqlite;
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

    /// <summary>Writes rows straight into a table file with a connection of its own that keeps its WAL (no checkpoint).</summary>
    private static SqliteConnection WriteWithoutCheckpoint(string file, int from, int count)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_autocheckpoint = 0";
        command.ExecuteNonQuery();
        for (var i = from; i < from + count; i++)
        {
            command.CommandText = $"INSERT INTO notes (title, number) VALUES ('w{i}', {i})";
            command.ExecuteNonQuery();
        }
        return connection;
    }

    /// <summary>
    /// A read-only view (bind mount) of a directory another writer uses: the table is read as immutable
    /// while no -wal exists, and read afresh, WAL included, as soon as a writer appears.
    /// </summary>
    [TmpfsFact]
    public async Task ReadOnlyView_OfADirectoryAWriterUses_SeesEveryCommittedRow()
    {
        using var data = TmpfsMount.Create("8m");
        await using (var writer = await DocTableClient.StartEmbeddedAsync(data.Path))
            await writer.Table<Note>("notes").InsertManyAsync(Notes(25));
        using var view = TmpfsMount.BindReadOnly(data.Path);
        await using var client = await DocTableClient.StartEmbeddedAsync(view.Path);
        var ro = client.Table<Note>("notes", readOnly: true);
        Assert.Equal(25, await ro.CountAsync());

        // A writer on the writable path: its -wal appears; the read-only table reads through it.
        using (var other = WriteWithoutCheckpoint(Path.Combine(data.Path, "notes.db"), 26, 5))
        {
            Assert.True(File.Exists(Path.Combine(view.Path, "notes.db-wal")));
            Assert.Equal(30, await ro.CountAsync());
            Assert.Equal("w30", (await ro.FirstAsync(ro["number"] == 30))!.Title);
        }

        // The writer left (our reader keeps the -wal alive) and another one comes: its rows are seen too.
        Assert.Equal(30, await ro.CountAsync());
        using (WriteWithoutCheckpoint(Path.Combine(data.Path, "notes.db"), 31, 5))
            Assert.Equal(35, await ro.CountAsync());
        await Assert.ThrowsAsync<StorageReadOnlyException>(() => client.Table<Note>("notes").InsertAsync(new Note { Title = "x" }));
    }

    /// <summary>A table left with a -wal (a writer crashed) in a read-only directory: read with its -shm; without it a typed error says why.</summary>
    [TmpfsFact]
    public async Task ReadOnlyDirectory_WithAWalLeftBehind_ReadsItsRows_OrSaysWhyNot()
    {
        var source = Directory.CreateTempSubdirectory("doctable-walsource-").FullName;
        try
        {
            await using (var writer = await DocTableClient.StartEmbeddedAsync(source))
                await writer.Table<Note>("notes").InsertManyAsync(Notes(25));
            string[] copied;
            using (WriteWithoutCheckpoint(Path.Combine(source, "notes.db"), 26, 5))
            {
                // Copied while the writer is open, as a crash would leave them.
                copied = [.. Directory.GetFiles(source, "notes.db*").Select(f => Path.GetFileName(f)!)];
                foreach (var name in copied) File.Copy(Path.Combine(source, name), Path.Combine(source, "copy-" + name));
            }
            Assert.Contains("notes.db-wal", copied);
            Assert.Contains("notes.db-shm", copied);

            foreach (var withShm in new[] { true, false })
            {
                using var mount = TmpfsMount.Create("8m");
                foreach (var name in copied.Where(n => withShm || !n.EndsWith("-shm", StringComparison.Ordinal)))
                    File.Copy(Path.Combine(source, "copy-" + name), Path.Combine(mount.Path, name));
                mount.RemountReadOnly();
                var before = Listing(mount.Path);
                await using (var client = await DocTableClient.StartEmbeddedAsync(mount.Path))
                {
                    var ro = client.Table<Note>("notes", readOnly: true);
                    if (withShm)
                    {
                        Assert.Equal(30, await ro.CountAsync());
                    }
                    else
                    {
                        var error = await Assert.ThrowsAsync<StorageException>(() => ro.CountAsync());
                        Assert.Contains("-wal", error.Message);
                        Assert.Contains(mount.Path, error.Message);
                    }
                }
                Assert.Equal(before, Listing(mount.Path));
            }
        }
        finally
        {
            Directory.Delete(source, recursive: true);
        }
    }
}
