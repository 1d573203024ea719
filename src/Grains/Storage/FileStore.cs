using System.Text;
using System.Text.RegularExpressions;

namespace DocTable.Orleans.Grains.Storage;

/// <summary>
/// The folder of a table's file-backed column values. A value is written to a temporary name, synced
/// to disk and renamed to its final name before the row that names it is inserted, so a committed row
/// never names a missing file; a crash before the commit leaves only an orphan, which
/// <see cref="ITableGrain.CleanAsync"/> (and opening the table) removes.
/// </summary>
internal sealed partial class FileStore(string folder)
{
    private const string TempPrefix = ".tmp-";

    [GeneratedRegex("^[0-9a-f]{32}\\.(txt|bin)$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();

    /// <summary>The folder.</summary>
    public string Folder { get; } = folder;

    /// <summary>Writes a value durably under a new name and returns the name.</summary>
    public string Write(ColumnType type, object value)
    {
        Directory.CreateDirectory(Folder);
        var id = Guid.NewGuid().ToString("N");
        var name = id + (type == ColumnType.TextFile ? ".txt" : ".bin");
        var temp = Path.Combine(Folder, TempPrefix + id);
        var bytes = value as byte[] ?? Encoding.UTF8.GetBytes((string)value);
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.None))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, Path.Combine(Folder, name));
        }
        catch
        {
            // A full disk, say: leave no partial file behind (clean would remove it, but later).
            try { File.Delete(temp); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            throw;
        }
        return name;
    }

    /// <summary>
    /// Makes the renames of written files durable by syncing the folder itself (Linux; elsewhere a no-op).
    /// Called before the transaction that names the files commits.
    /// </summary>
    public void SyncFolder()
    {
        if (!OperatingSystem.IsLinux() || !Directory.Exists(Folder)) return;
        var fd = NativeFile.Open(Folder, 0 /* O_RDONLY */);
        if (fd < 0) throw new IOException($"Cannot open {Folder} to sync it.");
        try
        {
            if (NativeFile.Fsync(fd) != 0) throw new IOException($"Cannot sync {Folder}.");
        }
        finally
        {
            _ = NativeFile.Close(fd);
        }
    }

    /// <summary>Reads the value stored under <paramref name="name"/>.</summary>
    public object Read(ColumnType type, string name, string table, string column)
    {
        var path = PathOf(name);
        if (path is null || !File.Exists(path))
            throw new MissingFileException($"Table '{table}': column '{column}' names the file '{name}', which is not in {Folder}; run doctable clean to list the affected rows.");
        return type == ColumnType.TextFile ? File.ReadAllText(path, Encoding.UTF8) : File.ReadAllBytes(path);
    }

    /// <summary>Deletes a value's file; a missing file or a name that is not ours is ignored.</summary>
    public void Delete(string name)
    {
        if (PathOf(name) is { } path) File.Delete(path);
    }

    /// <summary>True when the file exists.</summary>
    public bool Exists(string name) => PathOf(name) is { } path && File.Exists(path);

    /// <summary>Every file in the folder: values (by name) and leftover temporary files.</summary>
    public IEnumerable<string> List()
        => Directory.Exists(Folder) ? Directory.EnumerateFiles(Folder).Select(Path.GetFileName).OfType<string>() : [];

    /// <summary>Deletes a file found by <see cref="List"/> if it is a value or a temporary file of this store; returns whether it did.</summary>
    public bool DeleteListed(string fileName)
    {
        if (!NamePattern().IsMatch(fileName) && !fileName.StartsWith(TempPrefix, StringComparison.Ordinal)) return false;
        File.Delete(Path.Combine(Folder, fileName));
        return true;
    }

    /// <summary>The path of a value file; null for anything that is not a name this store generates (no path tricks).</summary>
    private string? PathOf(string name) => NamePattern().IsMatch(name) ? Path.Combine(Folder, name) : null;
}

/// <summary>The libc calls needed to fsync a directory and to ask whether a path is writable, which .NET has no API for.</summary>
internal static class NativeFile
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "open", SetLastError = true)]
    internal static extern int Open([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, int flags);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    internal static extern int Fsync(int fd);

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "close")]
    internal static extern int Close(int fd);

    /// <summary>access(2)'s W_OK.</summary>
    internal const int WriteAccess = 2;

    /// <summary>access(2): 0 when the calling process may access <paramref name="path"/> as <paramref name="mode"/> asks (a read-only mount fails even for root).</summary>
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "access", SetLastError = true)]
    internal static extern int Access([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, int mode);
}
