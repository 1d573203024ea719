using Microsoft.Data.Sqlite;

namespace DocTable.Orleans.Grains.Storage;

/// <summary>Turns SQLite's errors about the file itself into typed errors that name the file and say what to do.</summary>
internal static class StorageErrors
{
    private const int Busy = 5, Locked = 6, ReadOnly = 8, IoError = 10, Corrupt = 11, Full = 13, CantOpen = 14, NotADatabase = 26;

    public static Exception Translate(SqliteException e, string table, DocTableOptions options)
    {
        var file = Path.GetFullPath(options.TablePath(table));
        var directory = Path.GetFullPath(options.DataDirectory);
        return (e.SqliteErrorCode & 0xff) switch
        {
            Full => new StorageFullException($"The disk holding {directory} is full: table '{table}' could not be written and nothing of the write was stored. Free space and retry."),
            ReadOnly => new StorageReadOnlyException($"Table '{table}' cannot be written: its file {file} or the data directory {directory} is read-only. Reads still work; writes need a writable directory."),
            CantOpen => new StorageException($"Table '{table}': SQLite cannot open {file} (does the data directory {directory} exist and is it readable and writable?)."),
            Busy or Locked => new StorageException($"Table '{table}': another process held {file} locked for longer than the busy timeout ({options.BusyTimeout.TotalSeconds:0} s); nothing of the write was stored. Retry, or raise the busy timeout."),
            IoError or Corrupt or NotADatabase => new StorageException($"Table '{table}': SQLite reported an error on {file}: {Describe(e)}. Nothing of the write was stored."),
            _ => new InvalidQueryException($"Table '{table}': SQLite refused the request: {Describe(e)}."),
        };
    }

    private static string Describe(SqliteException e) => e.Message.Replace("SQLite Error " + e.SqliteErrorCode + ": ", "", StringComparison.Ordinal).Trim().TrimEnd('.').Trim('\'');
}
