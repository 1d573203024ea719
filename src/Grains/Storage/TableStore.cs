using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace DocTable.Orleans.Grains.Storage;

/// <summary>
/// One table's SQLite file and its only connection. Not thread-safe: <see cref="TableWriter"/> runs
/// every call on its own thread. Writes join the open transaction (begun on the first write, ended by <see cref="Commit"/>);
/// every batch is validated before it is written and runs inside a savepoint, so a bad batch is
/// rejected whole and the rest of the transaction stays. Nothing about the file is cached that
/// another process could change: producer sequences are read from the file inside the write lock.
/// </summary>
internal sealed class TableStore : IDisposable
{
    private const string SchemaTable = "__doctable_schema";
    /// <summary>The (always empty) list of files written by a batch without file columns.</summary>
    private static readonly List<string> NoFiles = [];

    private readonly DocTableOptions _options;
    private readonly ILogger _logger;
    private readonly Dictionary<string, InsertStatement> _inserts = new(StringComparer.Ordinal);
    private SqliteConnection? _connection;
    private StatementCache? _cached;
    private ProducerSequences? _sequences;
    private TableSchema? _schema;
    private readonly string _table;
    private InsertStatement? _lastInsert;
    private readonly FileStore _files;
    private readonly List<string> _filesWritten = [];   // written in the open transaction: deleted if it fails
    private readonly List<string> _filesToDelete = [];  // replaced or deleted in it: deleted once it commits
    private List<string> _removedAtOpen = [];

    // Opened read-only because the data directory or the file cannot be written (a read-only mount,
    // permissions); with no -wal file the file is read as immutable (see OpenReadOnly).
    private bool _readOnly;
    private (long Length, DateTime Written)? _immutableStamp;

    // The open transaction, if any.
    private bool _inTransaction;
    private long _transactionStarted;

    /// <summary>A store for <paramref name="table"/> (a validated name); the file is opened on first use.</summary>
    public TableStore(string table, DocTableOptions options, ILogger logger)
    {
        _table = Identifier.Validate(table, "table");
        _options = options;
        _logger = logger;
        _files = new FileStore(_options.FilesPath(_table));
    }

    /// <summary>The table's name.</summary>
    public string Table => _table;

    /// <summary>True while a write transaction is open.</summary>
    public bool InTransaction => _inTransaction;

    /// <summary>Rows written in the open transaction (updates and deletes count their rows, at least 1).</summary>
    public int TransactionRows { get; private set; }

    /// <summary>Milliseconds since the open transaction began.</summary>
    public long TransactionAgeMs => _inTransaction ? Environment.TickCount64 - _transactionStarted : 0;

    /// <summary>Transactions committed since the store was opened.</summary>
    public long Commits { get; private set; }

    /// <summary>
    /// Opens the table: with <paramref name="expected"/> creates or checks and migrates it, without
    /// only opens an existing one. Commits an open transaction first when the schema must change.
    /// </summary>
    public TableSchema Open(TableSchema? expected)
    {
        // Checked before the file is touched: a bad schema must not leave an empty table file behind.
        var validated = expected?.Validated();
        DropIfChanged();
        if (_schema is null) OpenConnection(create: validated is not null);
        if (validated is not null) CreateOrMigrate(validated);
        return _schema ?? throw MissingTable();
    }

    /// <summary>
    /// Writes a batch into the open transaction (beginning one if needed); the result holds once
    /// <see cref="Commit"/> succeeds. A bad batch throws a typed error and leaves the transaction as it was.
    /// </summary>
    public WriteResult Insert(RowBatch batch, InsertOptions options)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(options);
        var schema = EnsureWritable();
        if (batch.Columns is null || batch.Rows is null) throw new MalformedMessageException("A batch has no columns or no rows; nothing was written.");
        var statement = GetInsert(schema, batch.Columns, options.OnConflict);
        Validate(schema, statement, batch);
        if (options.ProducerId is not null && options.Sequence < 1)
            throw new InvalidQueryException($"A batch of producer '{options.ProducerId}' needs a sequence number of 1 or more (got {options.Sequence}); nothing was written.");

        BeginIfNeeded();
        if (options.ProducerId is { } producer && _sequences!.Holds(producer, options.Sequence))
            return new WriteResult([], 0, Duplicate: true);

        var ids = new long[batch.Count];
        long affected = 0;
        statement.SetTimestamp(StorageValue.FormatDateTime(DateTime.UtcNow));
        var fileColumns = statement.FileColumns;
        var batchFiles = fileColumns.Length == 0 ? NoFiles : new List<string>();
        var savepoint = batch.Count > 1 || options.ProducerId is not null || fileColumns.Length > 0;
        if (savepoint) _cached!.Execute("SAVEPOINT batch");
        try
        {
            var handle = _connection!.Handle!;
            for (var r = 0; r < batch.Rows.Count; r++)
            {
                var row = fileColumns.Length == 0 ? batch.Rows[r] : StoreFiles(statement.Definitions, fileColumns, batch.Rows[r], batchFiles);
                var changed = statement.Execute(row);
                if (changed > 0)
                {
                    ids[r] = SQLitePCL.raw.sqlite3_last_insert_rowid(handle);
                    affected++;
                }
            }
            if (options.ProducerId is { } p) _sequences!.Record(p, options.Sequence);
            if (savepoint) _cached!.Execute("RELEASE batch");
        }
        catch (Exception e)
        {
            // Whatever failed (SQLite, a file, a bug), the batch's rows must not stay in the transaction.
            DeleteFiles(batchFiles);
            throw Failed(e, savepoint);
        }
        _filesWritten.AddRange(batchFiles);
        TransactionRows += batch.Count;
        return new WriteResult(ids, affected);
    }

    /// <summary>
    /// Inserts each row of <paramref name="rows"/> as its own write into the open transaction: a row
    /// that fails is rolled back alone and its typed error recorded, the others stay. Only a lost
    /// transaction (SQLite rolled it back) fails them all.
    /// </summary>
    public InsertEachResult InsertEach(RowBatch rows, InsertOptions options)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Columns is null || rows.Rows is null) throw new MalformedMessageException("A batch has no columns or no rows; nothing was written.");
        if (options?.ProducerId is not null) throw new InvalidQueryException("Rows inserted one by one carry no producer sequence; insert them as one batch.");
        var ids = new long[rows.Count];
        Exception?[]? errors = null;
        for (var i = 0; i < ids.Length; i++)
        {
            try
            {
                var result = Insert(new RowBatch(rows.Columns, [rows.Rows[i]]), options ?? InsertOptions.Default);
                ids[i] = result.Ids.Length > 0 ? result.Ids[0] : 0;
            }
            catch (TransactionLostException)
            {
                throw;
            }
            catch (Exception e)
            {
                (errors ??= new Exception?[ids.Length])[i] = Typed(e);
            }
        }
        return new InsertEachResult(ids, errors);
    }

    /// <summary>The rows <paramref name="query"/> selects, file columns read from their files.</summary>
    public RowSet Select(SelectQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var schema = EnsureOpen();
        if (query.Limit is < 0) throw new InvalidQueryException($"Limit must not be negative (got {query.Limit}).");
        if (query.Offset < 0) throw new InvalidQueryException($"Offset must not be negative (got {query.Offset}).");
        var keyset = query.AfterRowId is not null;
        if (keyset && (query.OrderBy is { Length: > 0 } || query.Offset > 0))
            throw new InvalidQueryException("A keyset page (AfterRowId) is always in rowid order and takes no OrderBy or Offset.");
        using var command = _connection!.CreateCommand();
        var columns = query.Columns is { Length: > 0 } ? query.Columns : schema.Columns.Select(c => c.Name).ToArray();
        var sql = new StringBuilder("SELECT ");
        for (var i = 0; i < columns.Length; i++)
        {
            if (i > 0) sql.Append(", ");
            sql.Append(WhereBuilder.Column(schema, columns[i]));
        }
        if (keyset) sql.Append(", rowid");
        sql.Append(" FROM ").Append(Identifier.Quote(_table));
        if (keyset)
        {
            sql.Append(" WHERE rowid > $after");
            command.Parameters.AddWithValue("$after", query.AfterRowId!.Value);
            WhereBuilder.AppendAnd(sql, command, schema, query.Where);
        }
        else
        {
            WhereBuilder.Append(sql, command, schema, query.Where);
        }
        sql.Append(" ORDER BY ");
        if (query.OrderBy is { Length: > 0 } order)
        {
            for (var i = 0; i < order.Length; i++)
            {
                if (i > 0) sql.Append(", ");
                sql.Append(WhereBuilder.ValueColumn(schema, order[i].Column)).Append(order[i].Descending ? " DESC" : " ASC");
            }
        }
        else
        {
            sql.Append("rowid");
        }
        if (query.Limit is not null || query.Offset > 0)
            sql.Append(" LIMIT ").Append(query.Limit ?? -1).Append(" OFFSET ").Append(query.Offset);
        command.CommandText = sql.ToString();

        var rows = ReadRows(command, columns.Length, keyset, out var lastRowId);
        LoadFiles(schema, columns, rows);
        return new RowSet(columns, rows) { LastRowId = lastRowId };
    }

    /// <summary>The aggregates of <paramref name="query"/>.</summary>
    public RowSet Aggregate(AggregateQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var schema = EnsureOpen();
        using var command = _connection!.CreateCommand();
        var names = AggregateSql.Build(command, _table, schema, query);
        try
        {
            return new RowSet(names, ReadRows(command, names.Length, false, out _));
        }
        catch (SqliteException e) when (e.SqliteErrorCode == 1 && e.Message.Contains("integer overflow", StringComparison.Ordinal))
        {
            // Only SUM over integers overflows (SQLite raises it rather than wrap around).
            var sums = query.Aggregates.Where(a => a is { Function: AggregateFunction.Sum, Column: not null })
                .Select(a => schema.Find(a.Column!)!)
                .Where(c => c.Type is ColumnType.Int32 or ColumnType.Int64 or ColumnType.Boolean)
                .Select(c => "'" + c.Name + "'").Distinct().ToArray();
            var which = sums.Length == 1 ? "column " + sums[0] : "one of the columns " + string.Join(", ", sums);
            throw new AggregateOverflowException(
                $"Table '{_table}': the SUM of {which} overflows a 64-bit integer, so it has no exact value; nothing was changed. Sum fewer rows (a filter or groups), or ask for AVG.");
        }
    }

    /// <summary>Reads every row of <paramref name="command"/>; with <paramref name="rowIdLast"/> the extra last column is the rowid.</summary>
    private static List<object?[]> ReadRows(SqliteCommand command, int width, bool rowIdLast, out long? lastRowId)
    {
        var rows = new List<object?[]>();
        lastRowId = null;
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var row = new object?[width];
            for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            if (rowIdLast) lastRowId = reader.GetInt64(width);
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Rows matching <paramref name="where"/>.</summary>
    public long Count(Filter? where)
    {
        var schema = EnsureOpen();
        using var command = _connection!.CreateCommand();
        var sql = new StringBuilder("SELECT COUNT(*) FROM ").Append(Identifier.Quote(_table));
        WhereBuilder.Append(sql, command, schema, where);
        command.CommandText = sql.ToString();
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>Sets <paramref name="values"/> on the matching rows inside the open transaction.</summary>
    public WriteResult Update(IReadOnlyDictionary<string, object?> values, Filter? where, bool allRows)
    {
        ArgumentNullException.ThrowIfNull(values);
        var schema = EnsureWritable();
        RequireScope(where, allRows, "update");
        if (values.Count == 0) throw new InvalidQueryException("An update needs at least one column value.");
        using var command = _connection!.CreateCommand();
        var sql = new StringBuilder("UPDATE ").Append(Identifier.Quote(_table)).Append(" SET ");
        var i = 0;
        var files = new List<(ColumnDef Column, object? Value, SqliteParameter Parameter)>();
        foreach (var (name, value) in values)
        {
            var column = WritableColumn(schema, name);
            ValueChecks.Check(column, value, 0);
            if (i > 0) sql.Append(", ");
            sql.Append(Identifier.Quote(column.Name)).Append(" = $u").Append(i);
            var parameter = command.Parameters.AddWithValue("$u" + i, value ?? DBNull.Value);
            if (column.Type.IsFile()) files.Add((column, value, parameter));
            i++;
        }
        if (schema.WithRole(ColumnRole.Updated) is { } updated)
        {
            sql.Append(", ").Append(Identifier.Quote(updated.Name)).Append(" = $now");
            command.Parameters.AddWithValue("$now", StorageValue.FormatDateTime(DateTime.UtcNow));
        }
        if (files.Count > 0) return UpdateWithFiles(schema, command, sql, files, where);
        WhereBuilder.Append(sql, command, schema, where);
        command.CommandText = sql.ToString();
        return ExecuteWrite(command);
    }

    /// <summary>
    /// An update that sets file columns: row by row (every row gets its own new file), inside a
    /// savepoint; the old files are deleted once the transaction commits, the new ones if it fails.
    /// </summary>
    private WriteResult UpdateWithFiles(TableSchema schema, SqliteCommand command, StringBuilder sql, List<(ColumnDef Column, object? Value, SqliteParameter Parameter)> files, Filter? where)
    {
        BeginIfNeeded();
        var targets = ReadFileNames(schema, files.Select(f => f.Column).ToArray(), where);
        sql.Append(" WHERE rowid = $rowid");
        command.CommandText = sql.ToString();
        var rowId = command.Parameters.AddWithValue("$rowid", 0L);
        var written = new List<string>();
        Execute("SAVEPOINT batch");
        try
        {
            foreach (var (id, _) in targets)
            {
                foreach (var (column, value, parameter) in files)
                {
                    parameter.Value = value is null ? DBNull.Value : Remember(written, _files.Write(column.Type, value));
                }
                rowId.Value = id;
                command.ExecuteNonQuery();
            }
            Execute("RELEASE batch");
        }
        catch (Exception e)
        {
            DeleteFiles(written);
            throw Failed(e, savepoint: true);
        }
        _filesWritten.AddRange(written);
        _filesToDelete.AddRange(targets.SelectMany(t => t.Names).OfType<string>());
        TransactionRows += Math.Max(1, targets.Count);
        return new WriteResult([], targets.Count);
    }

    /// <summary>Deletes the matching rows inside the open transaction.</summary>
    public WriteResult Delete(Filter? where, bool allRows)
    {
        var schema = EnsureWritable();
        RequireScope(where, allRows, "delete");
        using var command = _connection!.CreateCommand();
        var sql = new StringBuilder("DELETE FROM ").Append(Identifier.Quote(_table));
        WhereBuilder.Append(sql, command, schema, where);
        command.CommandText = sql.ToString();
        var fileColumns = schema.Columns.Where(c => c.Type.IsFile()).ToArray();
        if (fileColumns.Length == 0) return ExecuteWrite(command);
        // The rows' files go once the delete has committed.
        BeginIfNeeded();
        var names = ReadFileNames(schema, fileColumns, where).SelectMany(t => t.Names).OfType<string>().ToList();
        var result = ExecuteWrite(command);
        _filesToDelete.AddRange(names);
        return result;
    }

    /// <summary>Reconciles files and rows (see <see cref="ITableGrain.CleanAsync"/>); call with no transaction open.</summary>
    public CleanReport Clean()
    {
        var schema = EnsureWritable();
        var report = ReconcileFiles(schema);
        var removedAtOpen = _removedAtOpen;
        _removedAtOpen = [];
        return report with { RemovedFiles = [.. removedAtOpen, .. report.RemovedFiles] };
    }

    /// <summary>What the file holds for <paramref name="producer"/>'s sequence numbers.</summary>
    public ProducerProgress Progress(string producer)
    {
        EnsureOpen();
        return _sequences!.Progress(producer);
    }

    /// <summary>
    /// Deletes files no row names and lists rows whose file is missing. Runs under the write lock
    /// (BEGIN IMMEDIATE): a writer writes its files while it holds that lock, so a file of a
    /// transaction still running can never be mistaken for an orphan, even from another process.
    /// </summary>
    private CleanReport ReconcileFiles(TableSchema schema)
    {
        RequireNoTransaction();
        var fileColumns = schema.Columns.Where(c => c.Type.IsFile()).ToArray();
        Execute("BEGIN IMMEDIATE");
        try
        {
            var referenced = new HashSet<string>(StringComparer.Ordinal);
            var missing = new List<MissingFile>();
            if (fileColumns.Length > 0)
            {
                foreach (var (id, names) in ReadFileNames(schema, fileColumns, null))
                {
                    for (var c = 0; c < names.Length; c++)
                    {
                        if (names[c] is not { } name) continue;
                        referenced.Add(name);
                        if (!_files.Exists(name)) missing.Add(new MissingFile(id, fileColumns[c].Name, name));
                    }
                }
            }
            var removed = _files.List().Where(f => !referenced.Contains(f)).ToList().Where(_files.DeleteListed).ToArray();
            if (removed.Length > 0 || missing.Count > 0)
                _logger.LogWarning("Table {Table}: removed {Removed} orphan files, {Missing} rows name a missing file", _table, removed.Length, missing.Count);
            return new CleanReport(removed, [.. missing], referenced.Count);
        }
        finally
        {
            RollbackOpen();
        }
    }

    /// <summary>The rowids and file names of the given file columns of the rows matching <paramref name="where"/>.</summary>
    private List<(long Id, string?[] Names)> ReadFileNames(TableSchema schema, ColumnDef[] fileColumns, Filter? where)
    {
        using var command = _connection!.CreateCommand();
        var sql = new StringBuilder("SELECT rowid");
        foreach (var c in fileColumns) sql.Append(", ").Append(Identifier.Quote(c.Name));
        sql.Append(" FROM ").Append(Identifier.Quote(_table));
        WhereBuilder.Append(sql, command, schema, where);
        command.CommandText = sql.ToString();
        var result = new List<(long, string?[])>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var names = new string?[fileColumns.Length];
            for (var c = 0; c < names.Length; c++) names[c] = reader.IsDBNull(c + 1) ? null : reader.GetString(c + 1);
            result.Add((reader.GetInt64(0), names));
        }
        return result;
    }

    /// <summary>A copy of <paramref name="row"/> with each file column's value written to a file and replaced by its name.</summary>
    private object?[] StoreFiles(ColumnDef[] definitions, int[] fileColumns, object?[] row, List<string> written)
    {
        var copy = (object?[])row.Clone();
        foreach (var i in fileColumns)
            if (copy[i] is { } value) copy[i] = Remember(written, _files.Write(definitions[i].Type, value));
        return copy;
    }

    private static string Remember(List<string> written, string name)
    {
        written.Add(name);
        TestHooks.AfterFileWrite();
        return name;
    }

    /// <summary>Replaces the file names of selected file columns by the files' contents.</summary>
    private void LoadFiles(TableSchema schema, string[] columns, List<object?[]> rows)
    {
        for (var i = 0; i < columns.Length; i++)
        {
            var column = schema.Find(columns[i])!;
            if (!column.Type.IsFile()) continue;
            foreach (var row in rows)
                if (row[i] is string name) row[i] = _files.Read(column.Type, name, _table, column.Name);
        }
    }

    /// <summary>
    /// Commits (if a transaction is open), checkpoints the WAL into the file and closes the connection.
    /// A failed commit throws after the store is closed; the caller fails that transaction's writes.
    /// </summary>
    public void Close()
    {
        if (_connection is null) return;
        try
        {
            if (_inTransaction) Commit();
            try
            {
                // A table opened read-only has nothing to checkpoint and may not write.
                if (!_readOnly) Execute("PRAGMA wal_checkpoint(TRUNCATE)");
            }
            catch (SqliteException e)
            {
                // Another process may hold the database; its own close will checkpoint.
                _logger.LogDebug(e, "Checkpoint of table {Table} skipped", _table);
            }
        }
        finally
        {
            Dispose();
        }
    }

    /// <summary>Closes the connection without committing (an open transaction is rolled back by SQLite).</summary>
    public void Dispose()
    {
        foreach (var statement in _inserts.Values) statement.Dispose();
        _inserts.Clear();
        _lastInsert = null;
        _sequences?.Dispose();
        _sequences = null;
        _cached?.Dispose();
        _cached = null;
        _connection?.Dispose();
        _connection = null;
        _schema = null;
        _inTransaction = false;
        _readOnly = false;
        _immutableStamp = null;
    }

    private TableSchema EnsureOpen()
    {
        DropIfChanged();
        if (_schema is not null) return _schema;
        OpenConnection(create: false);
        return _schema ?? throw MissingTable();
    }

    /// <summary>Closes a file read as immutable that changed on disk after all (a writer elsewhere), so it is read afresh.</summary>
    private void DropIfChanged()
    {
        if (_immutableStamp is not { } stamp || stamp == ImmutableStamp()) return;
        _logger.LogInformation("Table {Table}: the read-only file changed on disk; reopening it", _table);
        Dispose();
    }

    /// <summary>
    /// <see cref="EnsureOpen"/> for a write: when the table was opened read-only, reopens it read-write
    /// if the directory has become writable, else throws <see cref="StorageReadOnlyException"/> naming
    /// the directory. Nothing is written and no file is created in a read-only directory.
    /// </summary>
    private TableSchema EnsureWritable()
    {
        EnsureOpen();
        if (_readOnly)
        {
            if (!CanWrite(_options.TablePath(_table), exists: true)) throw StorageErrors.ReadOnlyDirectory(_table, _options);
            _logger.LogInformation("Table {Table}: the data directory is writable again; reopening the table read-write", _table);
            Dispose();
            EnsureOpen();
            if (_readOnly) throw StorageErrors.ReadOnlyDirectory(_table, _options);
        }
        return _schema!;
    }

    /// <summary>
    /// True when this process may write the table: the data directory (where SQLite creates its -wal
    /// and -shm files) and the file itself. access(2) reports a read-only mount even to root.
    /// </summary>
    private bool CanWrite(string path, bool exists)
    {
        var directory = Path.GetFullPath(_options.DataDirectory);
        if (!Directory.Exists(directory)) return true;   // created below, or the failure is typed then
        if (OperatingSystem.IsWindows()) return !exists || !File.GetAttributes(path).HasFlag(FileAttributes.ReadOnly);
        return NativeFile.Access(directory, NativeFile.WriteAccess) == 0
               && (!exists || NativeFile.Access(path, NativeFile.WriteAccess) == 0);
    }

    private (long, DateTime) ImmutableStamp()
    {
        var path = _options.TablePath(_table);
        var file = new FileInfo(path);
        // A -wal file appearing means a writer has the file open: no longer immutable.
        return File.Exists(path + "-wal") ? (-1, default) : file.Exists ? (file.Length, file.LastWriteTimeUtc) : (-2, default);
    }

    private UnknownTableException MissingTable()
        => new($"Table '{_table}' does not exist in {Path.GetFullPath(_options.DataDirectory)}; open it with a row type to create it.");

    private void OpenConnection(bool create)
    {
        if (_connection is not null) return;
        var path = _options.TablePath(_table);
        var exists = File.Exists(path);
        if (!create && !exists) throw MissingTable();
        if (!CanWrite(path, exists))
        {
            // Creating a table needs a writable directory; an existing one is read as it is.
            if (!exists) throw StorageErrors.ReadOnlyDirectory(_table, _options);
            OpenReadOnly(path);
            return;
        }
        Directory.CreateDirectory(_options.DataDirectory);
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = create ? SqliteOpenMode.ReadWriteCreate : SqliteOpenMode.ReadWrite,
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(_options.BusyTimeout.TotalSeconds),
        };
        var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        _connection = connection;
        _cached = new StatementCache(connection);
        try
        {
            Execute($"PRAGMA busy_timeout = {(int)_options.BusyTimeout.TotalMilliseconds}");
            Execute("PRAGMA journal_mode = WAL");
            Execute(_options.Durability == Durability.Full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL");
            Execute("PRAGMA foreign_keys = ON");
            Execute($"CREATE TABLE IF NOT EXISTS {SchemaTable} (name TEXT PRIMARY KEY, schema TEXT NOT NULL)");
            ProducerSequences.CreateTables(Execute);
            _sequences = new ProducerSequences(connection);
            _schema = LoadSchema();
            if (_schema is not null && (_schema.Columns.Any(c => c.Type.IsFile()) || Directory.Exists(_files.Folder)))
                _removedAtOpen = [.. ReconcileFiles(_schema).RemovedFiles];
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens the table read-only, creating no file. SQLite reads a WAL-mode file through its -wal and
    /// -shm files and cannot create them in a read-only directory: when no -wal file exists (the last
    /// writer closed cleanly, so everything is in the file) the file is opened as immutable, which
    /// needs neither; <see cref="EnsureOpen"/> reopens it if it changes after all. When a -wal file
    /// exists, a writer is using the file or crashed: it is opened read-only through the existing files.
    /// </summary>
    private void OpenReadOnly(string path)
    {
        var immutable = !File.Exists(path + "-wal");
        var stamp = ImmutableStamp();
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = immutable ? new Uri(Path.GetFullPath(path)).AbsoluteUri + "?immutable=1" : path,
            Mode = SqliteOpenMode.ReadOnly,
            Pooling = false,
            DefaultTimeout = (int)Math.Ceiling(_options.BusyTimeout.TotalSeconds),
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            _connection = connection;
            _cached = new StatementCache(connection);
            Execute($"PRAGMA busy_timeout = {(int)_options.BusyTimeout.TotalMilliseconds}");
            _sequences = new ProducerSequences(connection);
            _schema = HasSchemaTable() ? LoadSchema() : null;
        }
        catch (SqliteException e) when (!immutable && (e.SqliteErrorCode & 0xff) == 14)
        {
            connection.Dispose();
            Dispose();
            throw new StorageException($"Table '{_table}' cannot be read: {Path.GetFullPath(path)}-wal holds changes not yet in the file and the read-only data directory {Path.GetFullPath(_options.DataDirectory)} does not let SQLite read them. Open the table once where the directory is writable.");
        }
        catch
        {
            connection.Dispose();
            Dispose();
            throw;
        }
        _readOnly = true;
        _immutableStamp = immutable ? stamp : null;
        _logger.LogInformation("Table {Table}: {Path} is not writable; opened read-only{Immutable}", _table, path, immutable ? " (immutable)" : "");
    }

    private bool HasSchemaTable()
    {
        using var command = _connection!.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '{SchemaTable}'";
        return (long)command.ExecuteScalar()! > 0;
    }

    private TableSchema? LoadSchema()
    {
        using var command = _connection!.CreateCommand();
        command.CommandText = $"SELECT schema FROM {SchemaTable} WHERE name = $n";
        command.Parameters.AddWithValue("$n", _table);
        return command.ExecuteScalar() is string json
            ? TableSchemaJson.Deserialize(json)
            : null;
    }

    /// <summary>
    /// Creates the table from <paramref name="expected"/>, or checks the stored schema against it and
    /// adds what is missing. Other processes may create or migrate the same file at the same time, so
    /// the decision is taken again under the write lock, from the schema stored at that moment.
    /// </summary>
    private void CreateOrMigrate(TableSchema expected)
    {
        if (_schema is not null && SchemaReconciler.Reconcile(_table, _schema, expected).IsEmpty)
            return;
        if (_readOnly) EnsureWritable();
        RequireNoTransaction();
        Execute("BEGIN IMMEDIATE");
        try
        {
            var stored = LoadSchema();
            var created = stored is null;
            SchemaReconciler.Plan plan;
            List<string> ddl;
            if (stored is null)
            {
                RequireNoForeignTable();
                plan = new SchemaReconciler.Plan(expected, expected.Columns, [.. expected.Columns.Where(c => c.Indexed)],
                    [.. expected.Constraints.Where(c => c.Kind == ConstraintKind.Index)]);
                ddl = [SchemaReconciler.CreateTable(_table, expected)];
            }
            else
            {
                plan = SchemaReconciler.Reconcile(_table, stored, expected);
                ddl = [.. plan.AddColumns.Select(c => SchemaReconciler.AddColumn(_table, c))];
            }
            ddl.AddRange(plan.AddIndexes.Select(c => SchemaReconciler.CreateIndex(_table, c)));
            ddl.AddRange(plan.AddConstraintIndexes.Select(c => SchemaReconciler.CreateIndex(_table, plan.Merged, c)));
            foreach (var sql in ddl) Execute(sql);
            if (ddl.Count > 0) StoreSchema(plan.Merged);
            Execute("COMMIT");
            if (created)
                _logger.LogInformation("Created table {Table} in {Path}", _table, _options.TablePath(_table));
            else if (ddl.Count > 0)
                _logger.LogInformation("Table {Table}: added columns [{Columns}], indexes [{Indexes}]", _table,
                    string.Join(", ", plan.AddColumns.Select(c => c.Name)), string.Join(", ", plan.AddIndexes.Select(c => c.Name)));
            SetSchema(plan.Merged);
        }
        catch (SqliteException e) when (!StorageErrors.IsAboutTheFile(e))
        {
            RollbackOpen();
            throw new SchemaException($"Table '{_table}': SQLite refused the schema change, nothing was changed: {Describe(e)}.");
        }
        catch
        {
            // A full or read-only disk, a lock held too long: typed by Typed(), as for every call.
            RollbackOpen();
            throw;
        }
    }

    /// <summary>Refuses to take over a table of the same name that DocTable did not create (it has no stored schema).</summary>
    private void RequireNoForeignTable()
    {
        using var command = _connection!.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $n";
        command.Parameters.AddWithValue("$n", _table);
        if ((long)command.ExecuteScalar()! > 0)
            throw new SchemaMismatchException(
                $"Table '{_table}' exists in {_options.TablePath(_table)} but was not created by DocTable (no stored schema); use another table name or file.");
    }

    private void StoreSchema(TableSchema schema)
    {
        using var command = _connection!.CreateCommand();
        command.CommandText = $"INSERT OR REPLACE INTO {SchemaTable} (name, schema) VALUES ($n, $s)";
        command.Parameters.AddWithValue("$n", _table);
        command.Parameters.AddWithValue("$s", TableSchemaJson.Serialize(schema));
        command.ExecuteNonQuery();
    }

    /// <summary>Takes <paramref name="schema"/> as the table's; prepared inserts of the old one are dropped.</summary>
    private void SetSchema(TableSchema schema)
    {
        foreach (var statement in _inserts.Values) statement.Dispose();
        _inserts.Clear();
        _lastInsert = null;
        _schema = schema;
    }

    private InsertStatement GetInsert(TableSchema schema, string[] columns, OnConflict onConflict)
    {
        if (_lastInsert is { } last && ReferenceEquals(last.Columns, columns) && last.OnConflict == onConflict) return last;
        var key = (int)onConflict + ":" + string.Join(',', columns);
        if (!_inserts.TryGetValue(key, out var statement))
        {
            var defs = new ColumnDef[columns.Length];
            for (var i = 0; i < columns.Length; i++)
            {
                defs[i] = WritableColumn(schema, columns[i]);
                for (var j = 0; j < i; j++)
                    if (ReferenceEquals(defs[j], defs[i]))
                        throw new InvalidQueryException($"Column '{columns[i]}' appears twice in the batch.");
            }
            foreach (var c in schema.Columns)
                if (c.IsWritable && !c.Nullable && c.DefaultSql is null && Array.IndexOf(defs, c) < 0)
                    throw new NullValueException($"Column '{c.Name}' does not allow NULL and has no default, but the batch does not give it; nothing was written.");
            statement = new InsertStatement(_connection!, _table, schema, defs, onConflict);
            _inserts[key] = statement;
        }
        statement.Columns = columns;
        _lastInsert = statement;
        return statement;
    }

    private static ColumnDef WritableColumn(TableSchema schema, string name)
    {
        Identifier.Validate(name, "column");
        var column = schema.Find(name) ?? throw new UnknownColumnException($"Column '{name}' does not exist in the table.");
        if (!column.IsWritable)
            throw new InvalidQueryException($"Column '{column.Name}' is the table's {column.Role} column; the table sets it.");
        return column;
    }

    private static void Validate(TableSchema schema, InsertStatement statement, RowBatch batch)
    {
        var defs = statement.Definitions;
        for (var r = 0; r < batch.Rows.Count; r++)
        {
            var row = batch.Rows[r];
            if (row is null || row.Length != defs.Length)
                throw new MalformedMessageException($"Row {r} of the batch has {row?.Length ?? 0} values for {defs.Length} columns; nothing of the batch was written.");
            for (var c = 0; c < defs.Length; c++) ValueChecks.Check(defs[c], row[c], r);
        }
    }

    private static void RequireScope(Filter? where, bool allRows, string what)
    {
        if (where is null && !allRows)
            throw new InvalidQueryException($"A {what} without a filter touches every row; pass allRows: true to mean it.");
        if (where is not null && allRows)
            throw new InvalidQueryException($"A {what} with allRows: true takes no filter.");
    }

    private WriteResult ExecuteWrite(SqliteCommand command)
    {
        BeginIfNeeded();
        try
        {
            var affected = command.ExecuteNonQuery();
            TransactionRows += Math.Max(1, affected);
            return new WriteResult([], affected);
        }
        catch (Exception e)
        {
            throw Failed(e, savepoint: false);
        }
    }

    private void BeginIfNeeded()
    {
        if (_inTransaction) return;
        _cached!.Execute("BEGIN IMMEDIATE");
        _inTransaction = true;
        TransactionRows = 0;
        _transactionStarted = Environment.TickCount64;
    }

    /// <summary>
    /// Commits the open transaction. When the commit fails, the transaction is rolled back, the files
    /// it wrote are removed, and the error (typed where SQLite says why) is thrown: none of its writes
    /// happened.
    /// </summary>
    public void Commit()
    {
        if (!_inTransaction) return;
        _inTransaction = false;
        try
        {
            if (_filesWritten.Count > 0) _files.SyncFolder();
            _cached!.Execute("COMMIT");
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Commit of table {Table} failed; the transaction was rolled back", _table);
            RollbackQuietly();
            throw Typed(e);
        }
        Commits++;
        // Committed: the files of replaced and deleted values are no longer named by any row.
        _filesWritten.Clear();
        DeleteFiles(_filesToDelete);
    }

    /// <summary>Rolls the open transaction back (if SQLite has not already) and removes the files it wrote.</summary>
    private void RollbackQuietly()
    {
        _inTransaction = false;
        RollbackOpen();
        // No committed row names the files this transaction wrote.
        DeleteFiles(_filesWritten);
        _filesToDelete.Clear();
    }

    /// <summary>
    /// The error to throw for a write that failed with <paramref name="e"/>. Its savepoint is rolled
    /// back, so the rest of the transaction stands. If SQLite rolled back the whole transaction by
    /// itself (a full disk, an I/O error), the writes before this one are gone too:
    /// <see cref="TransactionLostException"/> carries the typed cause so every one of them is told.
    /// </summary>
    private Exception Failed(Exception e, bool savepoint)
    {
        var typed = Typed(e);
        if (_inTransaction && SQLitePCL.raw.sqlite3_get_autocommit(_connection!.Handle!) != 0)
        {
            RollbackQuietly();
            return new TransactionLostException(typed);
        }
        if (savepoint)
        {
            try
            {
                RollbackSavepoint();
            }
            catch (SqliteException rollback)
            {
                _logger.LogError(rollback, "Table {Table}: rolling back a failed batch failed; the transaction is abandoned", _table);
                RollbackQuietly();
                return new TransactionLostException(typed);
            }
        }
        return typed;
    }

    private void RequireNoTransaction()
    {
        if (_inTransaction) throw new InvalidOperationException("Commit the open transaction before a schema change or a clean.");
    }

    /// <summary>Deletes files and empties the list; a failure is logged (the file stays an orphan for clean).</summary>
    private void DeleteFiles(List<string> names)
    {
        foreach (var name in names)
        {
            try
            {
                _files.Delete(name);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _logger.LogWarning(e, "Table {Table}: could not delete the file {File}; doctable clean will remove it", _table, name);
            }
        }
        names.Clear();
    }

    /// <summary>Rolls back the connection's open transaction, if SQLite has not already; never throws.</summary>
    private void RollbackOpen()
    {
        if (_connection?.Handle is { } db && SQLitePCL.raw.sqlite3_get_autocommit(db) == 0)
        {
            try { Execute("ROLLBACK"); } catch (SqliteException e) { _logger.LogDebug(e, "Rollback of table {Table} failed", _table); }
        }
    }

    private void RollbackSavepoint()
    {
        Execute("ROLLBACK TO batch");
        Execute("RELEASE batch");
    }

    private void Execute(string sql)
    {
        using var command = _connection!.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private Exception Translate(SqliteException e)
        => e.SqliteErrorCode == 19 && _schema is not null ? ConstraintErrors.Translate(_table, _schema, e) : StorageErrors.Translate(e, _table, _options);

    /// <summary>
    /// The error a caller is told for <paramref name="e"/>: DocTable's typed errors as they are; SQLite's
    /// and the file system's translated (a full disk, a read-only directory, a lock held too long); an
    /// unexpected exception (a bug) logged and reported as a <see cref="DocTableException"/> that says so,
    /// never raw. Argument errors and cancellation pass unchanged.
    /// </summary>
    public Exception Typed(Exception e)
    {
        switch (e)
        {
            case DocTableException or TransactionLostException or OperationCanceledException or ArgumentException:
                return e;
            case SqliteException sqlite:
                return Translate(sqlite);
            case IOException io:
                return StorageErrors.Translate(io, _table, _options);
            case UnauthorizedAccessException denied:
                return StorageErrors.Translate(denied, _table, _options);
            default:
                _logger.LogError(e, "Table {Table}: unexpected error", _table);
                return new DocTableException($"Table '{_table}': the call failed on an unexpected error ({e.GetType().Name}: {e.Message}); nothing of a failed write was stored. Please report it.");
        }
    }

    private static string Describe(SqliteException e)
        => e.Message.Replace("SQLite Error " + e.SqliteErrorCode + ": ", "", StringComparison.Ordinal).Trim().TrimEnd('.').Trim('\'');
}
