namespace DocTable.Orleans;

/// <summary>
/// A table seen through row type <typeparamref name="T"/>, as DocTable's <c>DocTable(schema=…)</c>.
/// Every call goes to the table's grain; the table is created or checked against
/// <typeparamref name="T"/> on first use.
/// </summary>
public sealed class Table<T> where T : new()
{
    private readonly DocTableClient _client;
    private readonly ITableGrain _grain;
    private readonly RowMapper<T> _mapper = RowMapper<T>.Instance;
    private readonly object _gate = new();
    private Task<TableSchema>? _open;

    internal Table(DocTableClient client, string name, string? producerId, bool readOnly = false)
    {
        IsReadOnly = readOnly;
        Name = Identifier.Validate(name, "table");
        _client = client;
        _grain = client.GrainFactory.GetGrain<ITableGrain>(name);
        ProducerId = producerId;
    }

    /// <summary>The table's grain, for calls the typed API does not cover.</summary>
    public ITableGrain Grain => _grain;

    /// <summary>The table name.</summary>
    public string Name { get; }

    /// <summary>The producer this handle belongs to, if it came from a <see cref="Producer"/>.</summary>
    public string? ProducerId { get; }

    /// <summary>
    /// True when this handle was opened read-only: it never creates or migrates the table, and every
    /// write (insert, update, delete, queue inserter) throws <see cref="ReadOnlyTableException"/>.
    /// </summary>
    public bool IsReadOnly { get; }

    /// <summary>The schema <typeparamref name="T"/> asks for.</summary>
    public TableSchema Schema => _mapper.Schema;

    /// <summary>A column for building filters, as DocTable's <c>db['number']</c>.</summary>
    public Col this[string column] => Col.Of(column);

    /// <summary>A typed query over every row; add conditions, order and paging to it.</summary>
    public TableQuery<T> Query() => new(this);

    /// <summary>A typed query of the rows matching <paramref name="predicate"/>, e.g. <c>r =&gt; r.Number &gt; 10 &amp;&amp; r.Process == "AB"</c>.</summary>
    public TableQuery<T> Where(System.Linq.Expressions.Expression<Func<T, bool>> predicate) => Query().Where(predicate);

    /// <summary>A typed query of every row sorted by <paramref name="key"/>.</summary>
    public TableQuery<T> OrderBy<TKey>(System.Linq.Expressions.Expression<Func<T, TKey>> key) => Query().OrderBy(key);

    /// <summary>A typed query of every row sorted by <paramref name="key"/>, descending.</summary>
    public TableQuery<T> OrderByDescending<TKey>(System.Linq.Expressions.Expression<Func<T, TKey>> key) => Query().OrderByDescending(key);

    /// <summary>
    /// Creates the table, or checks and migrates the stored one; returns the stored schema. A read-only
    /// handle only opens an existing table (<see cref="UnknownTableException"/> otherwise) and checks that
    /// every column of <typeparamref name="T"/> is stored with the same type.
    /// </summary>
    public Task<TableSchema> OpenAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_open is null || _open.IsFaulted || _open.IsCanceled)
                _open = IsReadOnly ? OpenReadOnlyAsync(cancellationToken) : _grain.OpenAsync(_mapper.Schema, cancellationToken);
            return _open;
        }
    }

    private async Task<TableSchema> OpenReadOnlyAsync(CancellationToken cancellationToken)
    {
        var stored = await _grain.OpenAsync(null, cancellationToken).ConfigureAwait(false);
        foreach (var wanted in _mapper.Schema.Columns)
        {
            var column = stored.Find(wanted.Name)
                ?? throw new SchemaMismatchException($"Table '{Name}' opened read-only has no column '{wanted.Name}' that {typeof(T).Name} reads, and a read-only table is never migrated; open it writable once or drop the property.");
            if (column.Type != wanted.Type)
                throw new SchemaMismatchException($"Table '{Name}' opened read-only: column '{wanted.Name}' is {column.Type} in the stored table but {wanted.Type} in {typeof(T).Name}.");
        }
        return stored;
    }

    private void RequireWritable(string operation)
    {
        if (IsReadOnly)
            throw new ReadOnlyTableException($"Table '{Name}' was opened read-only, so {operation} is refused and nothing was written; open it with client.Table<{typeof(T).Name}>(\"{Name}\") to write.");
    }

    /// <summary>
    /// Inserts one row and returns its id once it is committed. The rows of concurrent callers in this
    /// process travel to the table together (<see cref="InsertCombiner"/>), each still its own write.
    /// </summary>
    public Task<long> InsertAsync(T row, CancellationToken cancellationToken = default)
    {
        RequireWritable("insert");
        var values = _mapper.ToStorageRow(row);
        var combiner = _client.Combiner(Name, _mapper.WritableColumns);
        return Volatile.Read(ref _open) is { IsCompletedSuccessfully: true }
            ? combiner.InsertAsync(values, cancellationToken)
            : OpenAndInsertAsync(combiner, values, cancellationToken);
    }

    private async Task<long> OpenAndInsertAsync(InsertCombiner combiner, object?[] values, CancellationToken cancellationToken)
    {
        await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await combiner.InsertAsync(values, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Inserts rows in one transaction and returns their ids (0 for rows skipped by <see cref="OnConflict.Ignore"/>).</summary>
    public Task<long[]> InsertManyAsync(IEnumerable<T> rows, OnConflict onConflict = OnConflict.Fail, CancellationToken cancellationToken = default)
    {
        RequireWritable("insert");
        var batch = new RowBatch(_mapper.WritableColumns, rows.Select(_mapper.ToStorageRow).ToList());
        return WriteAsync(batch, new InsertOptions(onConflict), static ids => ids, cancellationToken);
    }

    /// <summary>Rows matching <paramref name="where"/>, in <paramref name="orderBy"/> order (table order by default).</summary>
    public async Task<List<T>> SelectAsync(Filter? where = null, OrderBy[]? orderBy = null, int? limit = null, int offset = 0, CancellationToken cancellationToken = default)
        => _mapper.FromRowSet(await SelectRawAsync(new SelectQuery(null, where, orderBy, limit, offset), cancellationToken).ConfigureAwait(false));

    /// <summary>A select returning storage values, for chosen columns.</summary>
    public async Task<RowSet> SelectRawAsync(SelectQuery query, CancellationToken cancellationToken = default)
    {
        await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await _grain.SelectAsync(query, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Computes aggregates (count, sum, min, max, avg, count distinct) over the matching rows, optionally grouped.</summary>
    public async Task<RowSet> AggregateAsync(AggregateQuery query, CancellationToken cancellationToken = default)
    {
        await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await _grain.AggregateAsync(query, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The rows matching <paramref name="where"/> in table order, fetched <paramref name="chunkSize"/> at a
    /// time (keyset pages on rowid): the table is never loaded whole.
    /// </summary>
    public async IAsyncEnumerable<T> StreamAsync(int chunkSize = 1000, Filter? where = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var chunk in StreamChunksAsync(chunkSize, where, cancellationToken).ConfigureAwait(false))
            foreach (var row in chunk)
                yield return row;
    }

    /// <summary>Like <see cref="StreamAsync"/>, one list per page of at most <paramref name="chunkSize"/> rows.</summary>
    public async IAsyncEnumerable<List<T>> StreamChunksAsync(int chunkSize = 1000, Filter? where = null,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await OpenAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var page in _grain.StreamAsync(chunkSize, where, null, cancellationToken).ConfigureAwait(false))
            yield return _mapper.FromRowSet(page);
    }

    /// <summary>The first matching row, or default when none matches.</summary>
    public async Task<T?> FirstAsync(Filter? where = null, OrderBy[]? orderBy = null, CancellationToken cancellationToken = default)
    {
        var rows = await SelectAsync(where, orderBy, 1, 0, cancellationToken).ConfigureAwait(false);
        return rows.Count > 0 ? rows[0] : default;
    }

    /// <summary>The first <paramref name="n"/> rows, as DocTable's <c>head(n)</c>.</summary>
    public Task<List<T>> HeadAsync(int n = 5, CancellationToken cancellationToken = default)
        => SelectAsync(null, null, n, 0, cancellationToken);

    /// <summary>Number of rows matching <paramref name="where"/> (all rows when null).</summary>
    public async Task<long> CountAsync(Filter? where = null, CancellationToken cancellationToken = default)
    {
        await OpenAsync(cancellationToken).ConfigureAwait(false);
        return await _grain.CountAsync(where, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Sets <paramref name="values"/> (column or property name to value) on rows matching
    /// <paramref name="where"/>; every row only with <paramref name="allRows"/>. Returns rows changed once committed.
    /// </summary>
    public async Task<long> UpdateAsync(IReadOnlyDictionary<string, object?> values, Filter? where = null, bool allRows = false, CancellationToken cancellationToken = default)
    {
        RequireWritable("update");
        var storage = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in values)
        {
            var (column, stored) = _mapper.ToStorageValue(name, value);
            storage[column] = stored;
        }
        await OpenAsync(cancellationToken).ConfigureAwait(false);
        var result = await _grain.UpdateAsync(storage, where, allRows, cancellationToken).ConfigureAwait(false);
        return result.Affected;
    }

    /// <summary>Deletes rows matching <paramref name="where"/>; every row only with <paramref name="allRows"/>. Returns rows deleted once committed.</summary>
    public async Task<long> DeleteAsync(Filter? where = null, bool allRows = false, CancellationToken cancellationToken = default)
    {
        RequireWritable("delete");
        await OpenAsync(cancellationToken).ConfigureAwait(false);
        var result = await _grain.DeleteAsync(where, allRows, cancellationToken).ConfigureAwait(false);
        return result.Affected;
    }

    /// <summary>
    /// A queue inserter for this table, as DocTable's <c>get_queueinserter(chunk_size=…)</c>: rows are
    /// buffered by the producer's queue-inserter grain and written in chunks. Dispose it to flush.
    /// </summary>
    public QueueInserter<T> GetQueueInserter(int chunkSize = 1000, TimeSpan? flushInterval = null, bool verbose = false)
    {
        RequireWritable("a queue inserter");
        if (chunkSize < 1) throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "chunkSize must be at least 1.");
        if (flushInterval is { } every && every <= TimeSpan.Zero)
            throw new ArgumentOutOfRangeException(nameof(flushInterval), every, "flushInterval must be positive.");
        var producer = ProducerId ?? "client-" + Guid.NewGuid().ToString("N")[..12];
        var grain = _client.GrainFactory.GetGrain<IQueueInserterGrain>(producer + "/" + Name);
        return new QueueInserter<T>(this, grain, new QueueInserterOptions(Name, _mapper.WritableColumns, chunkSize, flushInterval, verbose),
            verbose ? _client : null);
    }

    /// <summary>Writes a batch and returns once it is committed; one async frame per call, no lock once the table is open.</summary>
    private async Task<TResult> WriteAsync<TResult>(RowBatch batch, InsertOptions options, Func<long[], TResult> select, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _open) is not { IsCompletedSuccessfully: true }) await OpenAsync(cancellationToken).ConfigureAwait(false);
        var result = await _grain.InsertAsync(batch, options, cancellationToken).ConfigureAwait(false);
        return select(result.Ids);
    }
}
