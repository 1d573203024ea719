using Microsoft.Data.Sqlite;

namespace DocTable.Orleans.Grains.Storage;

/// <summary>Turns SQLite's errors about the file itself, and the OS's about file-column files, into typed errors that name the file and say what to do.</summary>
internal static class StorageErrors
{
    private const int Busy = 5, Locked = 6, ReadOnly = 8, IoError = 10, Corrupt = 11, Full = 13, CantOpen = 14, NotADatabase = 26;

    // errno values .NET puts in IOException.HResult on Linux, and the Windows disk-full codes.
    private const int NoSpace = 28, ReadOnlyFileSystem = 30, QuotaExceeded = 122, WindowsDiskFull = 112, WindowsHandleDiskFull = 39;

    public static Exception Translate(SqliteException e, string table, DocTableOptions options)
    {
        var file = Path.GetFullPath(options.TablePath(table));
        var directory = Path.GetFullPath(options.DataDirectory);
        return (e.SqliteErrorCode & 0xff) switch
        {
            Full => DiskFull(table, options),
            ReadOnly => ReadOnlyDirectory(table, options),
            CantOpen => new StorageException($"Table '{table}': SQLite cannot open {file} (does the data directory {directory} exist and is it readable and writable?)."),
            Busy or Locked => new StorageException($"Table '{table}': another process held {file} locked for longer than the busy timeout ({options.BusyTimeout.TotalSeconds:0} s); nothing of the write was stored. Retry, or raise the busy timeout."),
            IoError or Corrupt or NotADatabase => new StorageException($"Table '{table}': SQLite reported an error on {file}: {Describe(e)}. Nothing of the write was stored."),
            _ => new InvalidQueryException($"Table '{table}': SQLite refused the request: {Describe(e)}."),
        };
    }

    /// <summary>
    /// The typed error for a failure reading or writing a table's files outside SQLite (file-column
    /// values, the data directory): a full disk, a read-only file system, or another I/O error.
    /// </summary>
    public static StorageException Translate(IOException e, string table, DocTableOptions options)
    {
        var code = e.HResult;
        var win32 = (code >> 16 & 0x1fff) == 7;
        if (code is NoSpace or QuotaExceeded || (win32 && (code & 0xffff) is WindowsDiskFull or WindowsHandleDiskFull))
            return DiskFull(table, options);
        if (code == ReadOnlyFileSystem)
            return ReadOnlyDirectory(table, options);
        return new StorageException($"Table '{table}': a file of the table in {Path.GetFullPath(options.DataDirectory)} could not be read or written ({e.Message}). A write that failed stored nothing.");
    }

    /// <summary>The typed error for a file the OS does not let the table read or write.</summary>
    public static StorageException Translate(UnauthorizedAccessException e, string table, DocTableOptions options)
        => new($"Table '{table}': access to a file in {Path.GetFullPath(options.DataDirectory)} was denied ({e.Message}); check the permissions of the data directory. A write that failed stored nothing.");

    /// <summary>True when SQLite's error is about the file or the disk (not about the statement).</summary>
    public static bool IsAboutTheFile(SqliteException e)
        => (e.SqliteErrorCode & 0xff) is Full or ReadOnly or CantOpen or Busy or Locked or IoError or Corrupt or NotADatabase;

    /// <summary>The disk holding the data directory is full.</summary>
    public static StorageFullException DiskFull(string table, DocTableOptions options)
        => new($"The disk holding {Path.GetFullPath(options.DataDirectory)} is full: table '{table}' could not be written and nothing of the write was stored. Free space and retry.");

    /// <summary>The data directory (or the table's file) cannot be written.</summary>
    public static StorageReadOnlyException ReadOnlyDirectory(string table, DocTableOptions options)
        => new($"Table '{table}' cannot be written: the data directory {Path.GetFullPath(options.DataDirectory)} (or the file {Path.GetFullPath(options.TablePath(table))}) is read-only, so nothing was written. Reads still work; writes need a writable directory.");

    private static string Describe(SqliteException e) => e.Message.Replace("SQLite Error " + e.SqliteErrorCode + ": ", "", StringComparison.Ordinal).Trim().TrimEnd('.').Trim('\'');
}
