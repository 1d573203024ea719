namespace DocTable.Orleans;

/// <summary>
/// A table seen through row type <typeparamref name="T"/>, as DocTable's <c>DocTable(schema=…)</c>.
/// Every call goes to the table's grain; the table is created or checked against
/// <typeparamref name="T"/> on first use.
/// </summary>
public sealed class Table<T> where T : new()
{
    private readonly IGrainFactory _grains;
    private readonly ITableGrain _grain;
    private readonly RowMapper<T> _mapper = RowMapper<T>.Instance;
    private readonly object _gate = new();
    private Task<TableSchema>? _open;

    internal Table(IGrainFactory grains, string name, string? producerId)
    {
        Name = Identifier.Validate(name, "table");
        _grains = grains;
        _grain = grains.GetGrain<ITableGrain>(name);
        ProducerId = producerId;
    }

    /// <summary>The table name.</summary>
    public string Name { get; }

    /// <summary>The producer this handle belongs to, if it came from a <see cref="Producer"/>.</summary>
    public string? ProducerId { get; }

    /// <summary>The schema <typeparamref name="T"/> asks for.</summary>
    public TableSchema Schema => _mapper.Schema;

    /// <summary>A column for building filters, as DocTable's <c>db['number']</c>.</summary>
    public Col this[string column] => Col.Of(column);

    /// <summary>Creates the table, or checks and migrates the stored one; returns the stored schema.</summary>
    public Task<TableSchema> OpenAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_open is null || _open.IsFaulted || _open.IsCanceled) _open = _grain.OpenAsync(_mapper.Schema, cancellationToken);
            return _open;
        }
    }

    /// <summary>Inserts one row and returns its id once it is committed.</summary>
    public Task<long> InsertAsync(T row, CancellationToken cancellationToken = default)
    {
        var batch = new RowBatch(_mapper.WritableColumns, [_mapper.ToStorageRow(row)]);
        return WriteAsync(batch, InsertOptions.Default, static ids => ids[0], cancellationToken);
    }

    /// <summary>Inserts rows in one transaction and returns their ids (0 for rows skipped by <see cref="OnConflict.Ignore"/>).</summary>
    public Task<long[]> InsertManyAsync(IEnumerable<T> rows, OnConflict onConflict = OnConflict.Fail, CancellationToken cancellationToken = default)
    {
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
        var storage = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in values)
        {
            var (column, stored) = _mapper.ToStorageValue(name, value);
            storage[column] = stored;
        }
        await OpenAsync(cancellationToken).ConfigureAwait(false);
        var result = await _grain.UpdateAsync(storage, where, allRows, cancellationToken).ConfigureAwait(false);
        await result.Durable.WaitAsync(cancellationToken).ConfigureAwait(false);
        return result.Affected;
    }

    /// <summary>Deletes rows matching <paramref name="where"/>; every row only with <paramref name="allRows"/>. Returns rows deleted once committed.</summary>
    public async Task<long> DeleteAsync(Filter? where = null, bool allRows = false, CancellationToken cancellationToken = default)
    {
        await OpenAsync(cancellationToken).ConfigureAwait(false);
        var result = await _grain.DeleteAsync(where, allRows, cancellationToken).ConfigureAwait(false);
        await result.Durable.WaitAsync(cancellationToken).ConfigureAwait(false);
        return result.Affected;
    }

    /// <summary>
    /// A queue inserter for this table, as DocTable's <c>get_queueinserter(chunk_size=…)</c>: rows are
    /// buffered by the producer's queue-inserter grain and written in chunks. Dispose it to flush.
    /// </summary>
    public QueueInserter<T> GetQueueInserter(int chunkSize = 1000, TimeSpan? flushInterval = null, bool verbose = false)
    {
        if (chunkSize < 1) throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "chunkSize must be at least 1.");
        var producer = ProducerId ?? "client-" + Guid.NewGuid().ToString("N")[..12];
        var grain = _grains.GetGrain<IQueueInserterGrain>(producer + "/" + Name);
        var options = new QueueInserterOptions(Name, _mapper.WritableColumns, chunkSize, flushInterval, verbose);
        return new QueueInserter<T>(this, grain, options);
    }

    /// <summary>Writes a batch and waits for its commit; one async frame per call, no lock once the table is open.</summary>
    private async Task<TResult> WriteAsync<TResult>(RowBatch batch, InsertOptions options, Func<long[], TResult> select, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _open) is not { IsCompletedSuccessfully: true }) await OpenAsync(cancellationToken).ConfigureAwait(false);
        var result = await _grain.InsertAsync(batch, options, cancellationToken).ConfigureAwait(false);
        await result.Durable.WaitAsync(cancellationToken).ConfigureAwait(false);
        return select(result.Ids);
    }
}
