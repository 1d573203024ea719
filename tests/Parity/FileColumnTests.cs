using System.Diagnostics;
using DocTable.Orleans.Tests.Embedded.Support;
using Microsoft.Data.Sqlite;
using Xunit;

namespace DocTable.Orleans.Tests.Parity;

public sealed class FileColumnTests
{
    [Unique(nameof(Key), Name = "uq_key")]
    public sealed class Doc
    {
        [IdColumn] public long Id { get; set; }
        public string Key { get; set; } = "";
        [TextFile] public string? Body { get; set; }
        [BlobFile] public byte[]? Raw { get; set; }
    }

    private static string Folder(TempStore store, string table) => Path.Combine(store.Directory, table + ".files");

    private static string[] Files(TempStore store, string table)
        => Directory.Exists(Folder(store, table)) ? Directory.GetFiles(Folder(store, table)).Select(Path.GetFileName).OfType<string>().Order().ToArray() : [];

    /// <summary>The file names the rows store, read straight from the SQLite file.</summary>
    private static string[] StoredNames(TempStore store, string table)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(store.Directory, table + ".db")};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT body FROM \"{table}\" WHERE body IS NOT NULL UNION ALL SELECT raw FROM \"{table}\" WHERE raw IS NOT NULL";
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read()) names.Add(reader.GetString(0));
        return [.. names.Order()];
    }

    [Fact]
    public async Task ValuesLiveInFilesAndUpdateAndDeleteRemoveTheOldOnes()
    {
        await using var store = await TempStore.CreateAsync();
        var docs = store.Client.Table<Doc>("docs");
        var big = new string('x', 200_000) + " ✓";
        await docs.InsertManyAsync([
            new Doc { Key = "a", Body = big, Raw = [1, 2, 3] },
            new Doc { Key = "b", Body = "", Raw = null },
            new Doc { Key = "c", Body = null, Raw = [] },
        ]);
        var rows = await docs.SelectAsync();
        Assert.Equal(big, rows[0].Body);
        Assert.Equal([1, 2, 3], rows[0].Raw!);
        Assert.Equal("", rows[1].Body);
        Assert.Null(rows[1].Raw);
        Assert.Null(rows[2].Body);
        Assert.Equal([], rows[2].Raw!);
        Assert.Equal(4, Files(store, "docs").Length);
        await store.Client.DisposeAsync();
        Assert.Equal(Files(store, "docs"), StoredNames(store, "docs"));
        await store.RestartAsync();
        docs = store.Client.Table<Doc>("docs");

        // Update: each row gets its own new file; the old ones go once committed.
        var before = Files(store, "docs");
        Assert.Equal(2, await docs.UpdateAsync(new Dictionary<string, object?> { ["body"] = "new" }, Col.Of("key") != "c"));
        Assert.Equal(["new", "new", null], (await docs.SelectAsync()).Select(r => r.Body));
        var after = Files(store, "docs");
        Assert.Equal(4, after.Length);
        Assert.Equal(2, after.Except(before).Count());
        await store.Client.DisposeAsync();
        Assert.Equal(Files(store, "docs"), StoredNames(store, "docs"));
        await store.RestartAsync();
        docs = store.Client.Table<Doc>("docs");

        // Delete removes the row's files.
        Assert.Equal(1, await docs.DeleteAsync(Col.Of("key") == "a"));
        Assert.Equal(2, Files(store, "docs").Length);
        Assert.Equal(2, await docs.DeleteAsync(allRows: true));
        Assert.Empty(Files(store, "docs"));
    }

    [Fact]
    public async Task RejectedWritesLeaveNoFilesAndFileColumnsCannotBeCompared()
    {
        await using var store = await TempStore.CreateAsync();
        var docs = store.Client.Table<Doc>("docs");
        await docs.InsertAsync(new Doc { Key = "a", Body = "one" });
        var e = await Assert.ThrowsAsync<ConstraintViolationException>(() => docs.InsertManyAsync([new Doc { Key = "b", Body = "two" }, new Doc { Key = "a", Body = "dup", Raw = [9] }]));
        Assert.Equal("uq_key", e.Constraint);
        Assert.Single(Files(store, "docs"));
        Assert.Equal(1, await docs.CountAsync());

        await Assert.ThrowsAsync<InvalidQueryException>(() => docs.SelectAsync(Col.Of("body") == "one"));
        await Assert.ThrowsAsync<InvalidQueryException>(() => docs.Where(r => r.Body!.StartsWith("o")).ToListAsync());
        await Assert.ThrowsAsync<InvalidQueryException>(() => docs.OrderBy(r => r.Body).ToListAsync());
        await Assert.ThrowsAsync<InvalidQueryException>(() => docs.AggregateAsync(new AggregateQuery([Aggregate.Max("body")])));
        await Assert.ThrowsAsync<InvalidQueryException>(() => docs.Query().DistinctAsync(r => r.Body));
        Assert.Equal(1, await docs.Where(r => r.Body != null).CountAsync());
        Assert.Single(await docs.Where(r => r.Body != null).ToListAsync());
        Assert.Throws<SchemaException>(() => RowMapper<BadFile>.Instance);
    }

    public sealed class BadFile
    {
        [TextFile] public byte[]? Body { get; set; }
    }

    [Fact]
    public async Task CleanRemovesOrphansAndReportsRowsWithMissingFiles()
    {
        await using var store = await TempStore.CreateAsync();
        var docs = store.Client.Table<Doc>("docs");
        var ids = await docs.InsertManyAsync([new Doc { Key = "a", Body = "one" }, new Doc { Key = "b", Body = "two", Raw = [2] }]);
        await store.Client.DisposeAsync();

        var folder = Folder(store, "docs");
        var orphan = Guid.NewGuid().ToString("N") + ".txt";
        File.WriteAllText(Path.Combine(folder, orphan), "left by a crash");
        File.WriteAllText(Path.Combine(folder, ".tmp-" + Guid.NewGuid().ToString("N")), "half written");
        File.WriteAllText(Path.Combine(folder, "notes.md"), "not ours");
        var lost = StoredNames(store, "docs").First(n => n.EndsWith(".bin", StringComparison.Ordinal));
        File.Delete(Path.Combine(folder, lost));

        var clean = await DoctableCli.InvokeAsync("clean", "--data", store.Directory, "--table", "docs");
        Assert.True(clean.ExitCode == 1, clean.ToString());
        Assert.Contains("removed 2 orphan file(s)", clean.Output);
        Assert.Contains($"missing: row {ids[1]}, column raw, file {lost}", clean.Output);
        Assert.Equal([.. StoredNames(store, "docs").Where(n => n != lost), "notes.md"], Files(store, "docs").Order());

        await store.RestartAsync();
        var report = await store.Client.GrainFactory.GetGrain<ITableGrain>("docs").CleanAsync();
        Assert.Empty(report.RemovedFiles);
        Assert.Equal([new MissingFile(ids[1], "raw", lost)], report.MissingFiles);
        await Assert.ThrowsAsync<MissingFileException>(() => store.Client.Table<Doc>("docs").SelectAsync());
    }

    [Fact]
    public async Task ExportAndImportCarryFileContents()
    {
        await using var store = await TempStore.CreateAsync();
        await store.Client.Table<Doc>("docs").InsertManyAsync([new Doc { Key = "a", Body = "text\nwith, \"quotes\"", Raw = [0, 255] }, new Doc { Key = "b" }]);
        await store.Client.DisposeAsync();
        var file = Path.Combine(store.Directory, "docs.csv");
        var export = await DoctableCli.InvokeAsync("export", "--data", store.Directory, "--table", "docs", "--out", file);
        Assert.True(export.ExitCode == 0, export.ToString());
        var import = await DoctableCli.InvokeAsync("import", "--data", store.Directory, "--table", "copy", file);
        Assert.True(import.ExitCode == 0, import.ToString());
        await store.RestartAsync();
        var copy = await store.Client.Table<Doc>("copy").SelectAsync();
        Assert.Equal("text\nwith, \"quotes\"", copy[0].Body);
        Assert.Equal([0, 255], copy[0].Raw!);
        Assert.Null(copy[1].Body);
        Assert.Equal(2, Files(store, "copy").Length);
    }

    [Fact]
    public async Task KilledBetweenFileWriteAndCommitLeavesOnlyAnOrphanThatCleanRemoves()
    {
        await using var store = await TempStore.CreateAsync();
        await store.Client.Table<Doc>("docs").OpenAsync();
        await store.Client.DisposeAsync();
        var csv = Path.Combine(store.Directory, "docs.csv");
        await File.WriteAllTextAsync(csv, "key,body\n" + string.Join("", Enumerable.Range(1, 6).Select(i => $"\"k{i}\",\"body {i}\"\n")));
        var marker = Path.Combine(store.Directory, "paused");

        // A real doctable process imports in chunks of 2 and stops after writing its 3rd file, before that chunk commits.
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "doctable.dll"), "import", "--data", store.Directory, "--table", "docs", "--format", "csv", "--chunk-size", "2", csv })
            start.ArgumentList.Add(a);
        start.Environment["DOCTABLE_TEST_PAUSE_AFTER_FILE_WRITE"] = "3:" + marker;
        using var child = Process.Start(start)!;
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (!File.Exists(marker) && !child.HasExited && DateTime.UtcNow < deadline) await Task.Delay(50);
        Assert.True(File.Exists(marker), "the child never reached the pause: " + (child.HasExited ? await child.StandardError.ReadToEndAsync() : "timeout"));
        Process.Start("kill", ["-9", child.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        await child.WaitForExitAsync();

        // After the crash: the first chunk is committed with its files; the third file is an orphan, and no row names it.
        Assert.Equal(2, StoredNames(store, "docs").Length);
        var files = Files(store, "docs");
        Assert.Equal(3, files.Length);
        Assert.Single(files.Except(StoredNames(store, "docs")));

        await store.RestartAsync();
        var report = await store.Client.GrainFactory.GetGrain<ITableGrain>("docs").CleanAsync();
        Assert.Single(report.RemovedFiles);
        Assert.Empty(report.MissingFiles);
        Assert.Equal(2, report.FilesKept);
        Assert.Equal(["body 1", "body 2"], (await store.Client.Table<Doc>("docs").SelectAsync()).Select(r => r.Body));
        await store.Client.DisposeAsync();
        Assert.Equal(Files(store, "docs"), StoredNames(store, "docs"));
        await store.RestartAsync();
    }
}
