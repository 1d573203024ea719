namespace DocTable.Orleans;

/// <summary>How hard a commit waits for the disk (SQLite's <c>PRAGMA synchronous</c> in WAL mode).</summary>
public enum Durability
{
    /// <summary>Every commit is synced to disk before it is reported (<c>synchronous=FULL</c>).</summary>
    Full,
    /// <summary>Commits survive a process crash; the last ones may be lost on power failure (<c>synchronous=NORMAL</c>).</summary>
    Normal,
}

/// <summary>
/// Settings of the DocTable grains in a silo (<c>siloBuilder.AddDocTable(o =&gt; …)</c>): where table
/// files live and how table grains commit.
/// </summary>
public sealed class DocTableOptions
{
    /// <summary>Folder holding one SQLite file per table (<c>{table}.db</c>).</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// The failover group of this silo: the silos that share its data directory. A table lives in one
    /// group and activates only on its silos (see <c>docs/CLUSTER.md</c>). One group is enough for a
    /// single machine.
    /// </summary>
    public string Group { get; set; } = "default";

    /// <summary>Commit durability; FULL by default.</summary>
    public Durability Durability { get; set; } = Durability.Full;

    /// <summary>How long a statement waits for another process's lock before it fails.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>An open transaction is committed once it holds this many rows, even if more writes wait.</summary>
    public int MaxRowsPerTransaction { get; set; } = 200_000;

    /// <summary>An open transaction is committed once it is this old, even if more writes wait.</summary>
    public TimeSpan MaxTransactionAge { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// Rows a table takes in before they are committed (queued for its writer or in its open
    /// transaction); further writers wait their turn, so memory stays bounded under any load. A single
    /// batch larger than this is taken alone.
    /// </summary>
    public int MaxPendingRows { get; set; } = 100_000;

    /// <summary>Sets every setting of <paramref name="target"/> to this one's (for an options callback such as <c>AddDocTable</c>'s).</summary>
    public void CopyTo(DocTableOptions target)
    {
        ArgumentNullException.ThrowIfNull(target);
        target.DataDirectory = DataDirectory;
        target.Group = Group;
        target.Durability = Durability;
        target.BusyTimeout = BusyTimeout;
        target.MaxRowsPerTransaction = MaxRowsPerTransaction;
        target.MaxTransactionAge = MaxTransactionAge;
        target.MaxPendingRows = MaxPendingRows;
    }

    /// <summary>Folder of a table's file-backed column values (<c>{table}.files</c>).</summary>
    public string FilesPath(string table) => Path.Combine(DataDirectory, table + ".files");

    /// <summary>Path of a table's file.</summary>
    public string TablePath(string table) => Path.Combine(DataDirectory, table + ".db");

    /// <summary>
    /// The tables whose files are in <see cref="DataDirectory"/> (none when it does not exist), in
    /// ordinal order: every <c>{table}.db</c> whose name is a legal table name. SQLite's side files
    /// (<c>-wal</c>, <c>-shm</c>, <c>-journal</c>) and files of other names are not tables.
    /// </summary>
    public string[] ExistingTables()
        => Directory.Exists(DataDirectory)
            ? Directory.EnumerateFiles(DataDirectory, "*.db")
                .Where(f => Path.GetExtension(f) == ".db")
                .Select(Path.GetFileNameWithoutExtension)
                .OfType<string>()
                .Where(Identifier.IsValid)
                .Order(StringComparer.Ordinal)
                .ToArray()
            : [];
}
