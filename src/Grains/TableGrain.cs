using System.Text;
using System.Text.Json;
using DocTable.Orleans.Grains.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DocTable.Orleans.Grains;

/// <summary>
/// The table grain: the only connection to its table's SQLite file in this process. Writes join the
/// open transaction; it commits when no further call waits in the mailbox (group commit), or when the
/// transaction is large or old enough. Every batch is validated before it is written and runs inside
/// a savepoint, so a bad batch is rejected whole and the grain keeps serving.
/// </summary>
public sealed class TableGrain : Grain, ITableGrain
{
    private const string SchemaTable = "__doctable_schema";
    private const string ProducerTable = "__doctable_producers";

    private readonly TableStoreOptions _options;
    private readonly ILogger<TableGrain> _logger;
    private readonly Dictionary<string, InsertStatement> _inserts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _producerSequences = new(StringComparer.Ordinal);
    private SqliteConnection? _connection;
    private StatementCache? _cached;
    private TableSchema? _schema;
    private string _table = "";
    private InsertStatement? _lastInsert;

    // The open transaction, if any.
    private bool _inTransaction;
    private TaskCompletionSource? _commit;
    private int _transactionRows;
    private long _transactionStarted;

    /// <summary>Created by the runtime.</summary>
    public TableGrain(IOptions<TableStoreOptions> options, ILogger<TableGrain> logger)
    {
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>Tables stop after the grains that flush into them.</summary>
    public override int ShutdownStage => 100;

    /// <inheritdoc/>
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _table = Identifier.Validate(GetPrimaryKeyString(), "table");
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<TableSchema> OpenAsync(TableSchema? expected, CancellationToken cancellationToken = default)
    {
        if (_schema is null) OpenConnection(create: expected is not null);
        if (expected is not null)
        {
            if (_schema is null) CreateTable(expected);
            else Migrate(expected);
        }
        return Task.FromResult(_schema ?? throw MissingTable());
    }

    /// <inheritdoc/>
    public Task<WriteResult> InsertAsync(RowBatch batch, InsertOptions options, CancellationToken cancellationToken = default)
    {
        var schema = EnsureOpen();
        var statement = GetInsert(schema, batch.Columns, options.OnConflict);
        Validate(schema, statement, batch);

        BeginIfNeeded();
        if (options.ProducerId is { } producer && IsDuplicate(producer, options.Sequence))
            return Task.FromResult(new WriteResult([], 0, _commit!.Task, duplicate: true));

        var ids = new long[batch.Count];
        long affected = 0;
        statement.SetTimestamp(StorageValue.FormatDateTime(DateTime.UtcNow));
        var savepoint = batch.Count > 1 || options.ProducerId is not null;
        if (savepoint) _cached!.Execute("SAVEPOINT batch");
        try
        {
            var handle = _connection!.Handle!;
            for (var r = 0; r < batch.Rows.Count; r++)
            {
                var changed = statement.Execute(batch.Rows[r]);
                if (changed > 0)
                {
                    ids[r] = SQLitePCL.raw.sqlite3_last_insert_rowid(handle);
                    affected++;
                }
            }
            if (options.ProducerId is { } p) RecordSequence(p, options.Sequence);
            if (savepoint) _cached!.Execute("RELEASE batch");
        }
        catch (SqliteException e)
        {
            if (savepoint) RollbackSavepoint();
            if (options.ProducerId is { } p) _producerSequences.Remove(p);
            throw Translate(e);
        }
        _transactionRows += batch.Count;
        return Task.FromResult(new WriteResult(ids, affected, _commit!.Task));
    }

    /// <inheritdoc/>
    public Task<RowSet> SelectAsync(SelectQuery query, CancellationToken cancellationToken = default)
    {
        var schema = EnsureOpen();
        if (query.Limit is < 0) throw new InvalidQueryException($"Limit must not be negative (got {query.Limit}).");
        if (query.Offset < 0) throw new InvalidQueryException($"Offset must not be negative (got {query.Offset}).");
        using var command = _connection!.CreateCommand();
        var columns = query.Columns is { Length: > 0 } ? query.Columns : schema.Columns.Select(c => c.Name).ToArray();
        var sql = new StringBuilder("SELECT ");
        for (var i = 0; i < columns.Length; i++)
        {
            if (i > 0) sql.Append(", ");
            sql.Append(WhereBuilder.Column(schema, columns[i]));
        }
        sql.Append(" FROM ").Append(Identifier.Quote(_table));
        WhereBuilder.Append(sql, command, schema, query.Where);
        sql.Append(" ORDER BY ");
        if (query.OrderBy is { Length: > 0 } order)
        {
            for (var i = 0; i < order.Length; i++)
            {
                if (i > 0) sql.Append(", ");
                sql.Append(WhereBuilder.Column(schema, order[i].Column)).Append(order[i].Descending ? " DESC" : " ASC");
            }
        }
        else
        {
            sql.Append("rowid");
        }
        if (query.Limit is not null || query.Offset > 0)
            sql.Append(" LIMIT ").Append(query.Limit ?? -1).Append(" OFFSET ").Append(query.Offset);
        command.CommandText = sql.ToString();

        var rows = new List<object?[]>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var row = new object?[columns.Length];
                for (var i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                rows.Add(row);
            }
        }
        return Task.FromResult(new RowSet(columns, rows));
    }

    /// <inheritdoc/>
    public Task<long> CountAsync(Filter? where, CancellationToken cancellationToken = default)
    {
        var schema = EnsureOpen();
        using var command = _connection!.CreateCommand();
        var sql = new StringBuilder("SELECT COUNT(*) FROM ").Append(Identifier.Quote(_table));
        WhereBuilder.Append(sql, command, schema, where);
        command.CommandText = sql.ToString();
        return Task.FromResult((long)command.ExecuteScalar()!);
    }

    /// <inheritdoc/>
    public Task<WriteResult> UpdateAsync(IReadOnlyDictionary<string, object?> values, Filter? where, bool allRows, CancellationToken cancellationToken = default)
    {
        var schema = EnsureOpen();
        RequireScope(where, allRows, "update");
        if (values.Count == 0) throw new InvalidQueryException("An update needs at least one column value.");
        using var command = _connection!.CreateCommand();
        var sql = new StringBuilder("UPDATE ").Append(Identifier.Quote(_table)).Append(" SET ");
        var i = 0;
        foreach (var (name, value) in values)
        {
            var column = WritableColumn(schema, name);
            ValueChecks.Check(column, value, 0);
            if (i > 0) sql.Append(", ");
            sql.Append(Identifier.Quote(column.Name)).Append(" = $u").Append(i);
            command.Parameters.AddWithValue("$u" + i, value ?? DBNull.Value);
            i++;
        }
        if (schema.WithRole(ColumnRole.Updated) is { } updated)
        {
            sql.Append(", ").Append(Identifier.Quote(updated.Name)).Append(" = $now");
            command.Parameters.AddWithValue("$now", StorageValue.FormatDateTime(DateTime.UtcNow));
        }
        WhereBuilder.Append(sql, command, schema, where);
        command.CommandText = sql.ToString();
        return Task.FromResult(ExecuteWrite(command));
    }

    /// <inheritdoc/>
    public Task<WriteResult> DeleteAsync(Filter? where, bool allRows, CancellationToken cancellationToken = default)
    {
        var schema = EnsureOpen();
        RequireScope(where, allRows, "delete");
        using var command = _connection!.CreateCommand();
        var sql = new StringBuilder("DELETE FROM ").Append(Identifier.Quote(_table));
        WhereBuilder.Append(sql, command, schema, where);
        command.CommandText = sql.ToString();
        return Task.FromResult(ExecuteWrite(command));
    }

    /// <summary>Group commit: commit once no call waits, or the transaction is big or old enough.</summary>
    public override Task OnTurnEndAsync()
    {
        if (_inTransaction
            && (Context.PendingCalls == 0
                || _transactionRows >= _options.MaxRowsPerTransaction
                || Environment.TickCount64 - _transactionStarted >= (long)_options.MaxTransactionAge.TotalMilliseconds))
            Commit();
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_connection is null) return Task.CompletedTask;
        if (_inTransaction) Commit();
        try
        {
            Execute("PRAGMA wal_checkpoint(TRUNCATE)");
        }
        catch (SqliteException e)
        {
            // Another process may hold the database; its own close will checkpoint.
            _logger.LogDebug(e, "Checkpoint of table {Table} skipped", _table);
        }
        foreach (var statement in _inserts.Values) statement.Dispose();
        _inserts.Clear();
        _cached?.Dispose();
        _cached = null;
        _connection.Dispose();
        _connection = null;
        _logger.LogDebug("Table {Table} closed ({Reason})", _table, reason);
        return Task.CompletedTask;
    }

    private TableSchema EnsureOpen()
    {
        if (_schema is not null) return _schema;
        OpenConnection(create: false);
        return _schema ?? throw MissingTable();
    }

    private UnknownTableException MissingTable()
        => new($"Table '{_table}' does not exist in {_options.DataDirectory}; open it with a row type to create it.");

    private void OpenConnection(bool create)
    {
        if (_connection is not null) return;
        var path = _options.TablePath(_table);
        if (!create && !File.Exists(path)) throw MissingTable();
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
            Execute($"CREATE TABLE IF NOT EXISTS {ProducerTable} (producer TEXT PRIMARY KEY, seq INTEGER NOT NULL)");
            _schema = LoadSchema();
        }
        catch
        {
            _cached.Dispose();
            _cached = null;
            connection.Dispose();
            _connection = null;
            throw;
        }
    }

    private TableSchema? LoadSchema()
    {
        using var command = _connection!.CreateCommand();
        command.CommandText = $"SELECT schema FROM {SchemaTable} WHERE name = $n";
        command.Parameters.AddWithValue("$n", _table);
        return command.ExecuteScalar() is string json
            ? JsonSerializer.Deserialize(json, SchemaJsonContext.Default.TableSchema)
            : null;
    }

    private void CreateTable(TableSchema schema)
    {
        RunDdl(schema, [SchemaReconciler.CreateTable(_table, schema),
            .. schema.Columns.Where(c => c.Indexed).Select(c => SchemaReconciler.CreateIndex(_table, c))]);
        _logger.LogInformation("Created table {Table} in {Path}", _table, _options.TablePath(_table));
    }

    private void Migrate(TableSchema expected)
    {
        var plan = SchemaReconciler.Reconcile(_table, _schema!, expected);
        if (plan.AddColumns.Count == 0 && plan.AddIndexes.Count == 0) return;
        RunDdl(plan.Merged, [.. plan.AddColumns.Select(c => SchemaReconciler.AddColumn(_table, c)),
            .. plan.AddIndexes.Select(c => SchemaReconciler.CreateIndex(_table, c))]);
        _logger.LogInformation("Table {Table}: added columns [{Columns}], indexes [{Indexes}]", _table,
            string.Join(", ", plan.AddColumns.Select(c => c.Name)), string.Join(", ", plan.AddIndexes.Select(c => c.Name)));
    }

    /// <summary>Runs DDL and stores the new schema in one transaction of its own.</summary>
    private void RunDdl(TableSchema schema, IEnumerable<string> statements)
    {
        if (_inTransaction) Commit();
        Execute("BEGIN IMMEDIATE");
        try
        {
            foreach (var sql in statements) Execute(sql);
            using var command = _connection!.CreateCommand();
            command.CommandText = $"INSERT OR REPLACE INTO {SchemaTable} (name, schema) VALUES ($n, $s)";
            command.Parameters.AddWithValue("$n", _table);
            command.Parameters.AddWithValue("$s", JsonSerializer.Serialize(schema, SchemaJsonContext.Default.TableSchema));
            command.ExecuteNonQuery();
            Execute("COMMIT");
        }
        catch
        {
            Execute("ROLLBACK");
            throw;
        }
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
            _transactionRows += Math.Max(1, affected);
            return new WriteResult([], affected, _commit!.Task);
        }
        catch (SqliteException e)
        {
            throw Translate(e);
        }
    }

    private bool IsDuplicate(string producer, long sequence)
    {
        if (!_producerSequences.TryGetValue(producer, out var last))
        {
            using var command = _connection!.CreateCommand();
            command.CommandText = $"SELECT seq FROM {ProducerTable} WHERE producer = $p";
            command.Parameters.AddWithValue("$p", producer);
            last = command.ExecuteScalar() is long stored ? stored : long.MinValue;
            _producerSequences[producer] = last;
        }
        return sequence <= last;
    }

    private void RecordSequence(string producer, long sequence)
    {
        using var command = _connection!.CreateCommand();
        command.CommandText = $"INSERT INTO {ProducerTable} (producer, seq) VALUES ($p, $s) ON CONFLICT(producer) DO UPDATE SET seq = excluded.seq";
        command.Parameters.AddWithValue("$p", producer);
        command.Parameters.AddWithValue("$s", sequence);
        command.ExecuteNonQuery();
        _producerSequences[producer] = sequence;
    }

    private void BeginIfNeeded()
    {
        if (_inTransaction) return;
        _cached!.Execute("BEGIN IMMEDIATE");
        _inTransaction = true;
        _commit = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _transactionRows = 0;
        _transactionStarted = Environment.TickCount64;
    }

    private void Commit()
    {
        var done = _commit!;
        _inTransaction = false;
        _commit = null;
        try
        {
            _cached!.Execute("COMMIT");
            done.TrySetResult();
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Commit of table {Table} failed; the transaction was rolled back", _table);
            try { Execute("ROLLBACK"); } catch (SqliteException) { }
            _producerSequences.Clear();
            done.TrySetException(e);
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

    private static Exception Translate(SqliteException e) => e.SqliteErrorCode switch
    {
        19 => new ConstraintViolationException($"{e.Message.Replace("SQLite Error 19: ", "", StringComparison.Ordinal).TrimEnd('.')}; nothing of the batch was written.", e),
        _ => e,
    };
}
