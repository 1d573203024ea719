using DocTable.Orleans.Grains.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DocTable.Orleans.Grains;

/// <summary>
/// The table grain: one activation per table cluster-wide, owning the table's only connection in its
/// silo. Its methods interleave: each hands its work to the table's <see cref="TableWriter"/> (a
/// thread of its own) in arrival order and awaits the result, so concurrent writers share a
/// transaction while the writer commits (group commit) and SQLite never blocks an Orleans thread.
/// </summary>
[Reentrant, TableGroupPlacement]
public sealed class TableGrain(IOptions<DocTableOptions> options, ITableCatalog catalog, ILocalSiloDetails silo, ILogger<TableGrain> logger) : Grain, ITableGrain
{
    private TableWriter? _writer;
    private InvalidIdentifierException? _badName;

    /// <summary>
    /// Refuses to run on a silo of another failover group than the table's (placement prevents it;
    /// this is the fence), so a silo never creates a file for a table that lives elsewhere. When the
    /// catalog cannot be read (the cluster's Redis is down or does not answer), the activation fails
    /// with <see cref="TableUnavailableException"/> naming the table and the catalog, and opens nothing.
    /// </summary>
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var name = this.GetPrimaryKeyString();
        if (!Identifier.IsValid(name))
        {
            // Every call is answered with this error; no file is touched.
            try { Identifier.Validate(name, "table"); }
            catch (InvalidIdentifierException e) { _badName = e; }
            return;
        }
        string? group;
        try
        {
            group = await catalog.GroupOfAsync(name);
        }
        catch (Exception e) when (e is not DocTableException)
        {
            // Not the Redis client's exception itself: callers in other processes may have no codec
            // for it (Orleans then fails the call with CodecNotFoundException); its message is kept.
            logger.LogWarning(e, "Table {Table}: {Catalog} could not be reached on activation", name, catalog.Location);
            throw new TableUnavailableException(
                $"Table '{name}' cannot be opened: {catalog.Location} could not be reached to learn which failover group holds the table ({e.GetType().Name}: {e.Message}). " +
                "No file was opened; retry once the catalog answers again.");
        }
        if (group is not null && group != options.Value.Group)
            throw new TableUnavailableException($"Table '{name}' lives in failover group '{group}', but was activated on silo {silo.SiloAddress} of group '{options.Value.Group}'; it refused to open any file. Retry: the table is placed on a silo of its group.");
        _writer = new TableWriter(new TableStore(name, options.Value, logger), options.Value, logger);
    }

    /// <summary>Runs everything already posted, commits, checkpoints the WAL and closes the file.</summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_writer is null) return;
        try
        {
            await _writer.CloseAsync();
            logger.LogDebug("Table {Table} closed ({Reason})", this.GetPrimaryKeyString(), reason);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Table {Table}: closing on {Reason} failed", this.GetPrimaryKeyString(), reason);
        }
    }

    private TableWriter Writer => _writer ?? throw _badName!;

    /// <summary>
    /// The writer's answer. A call to a table that does not exist deactivates this activation as soon
    /// as it is idle, so names that are never created (a typo, a probe) do not keep a writer thread
    /// for the idle age.
    /// </summary>
    private Task<T> Answer<T>(Task<T> call) => call.IsCompletedSuccessfully ? call : AnswerAsync(call);

    private async Task<T> AnswerAsync<T>(Task<T> call)
    {
        try
        {
            return await call;
        }
        catch (UnknownTableException)
        {
            DeactivateOnIdle();
            throw;
        }
    }

    /// <inheritdoc/>
    public Task<TableSchema> OpenAsync(TableSchema? expected, CancellationToken cancellationToken = default)
        => Answer(Writer.CallAsync(store => store.Open(expected), cancellationToken));

    /// <inheritdoc/>
    public Task<WriteResult> InsertAsync(RowBatch batch, InsertOptions options, CancellationToken cancellationToken = default)
        => Answer(Writer.WriteAsync(store => store.Insert(batch, options), batch?.Rows?.Count ?? 0, cancellationToken));

    /// <inheritdoc/>
    public Task<InsertEachResult> InsertEachAsync(RowBatch rows, InsertOptions options, CancellationToken cancellationToken = default)
        => Answer(Writer.WriteAsync(store => store.InsertEach(rows, options), rows?.Rows?.Count ?? 0, cancellationToken));

    /// <inheritdoc/>
    public Task<RowSet> SelectAsync(SelectQuery query, CancellationToken cancellationToken = default)
        => Answer(Writer.CallAsync(store => store.Select(query), cancellationToken));

    /// <inheritdoc/>
    public Task<RowSet> AggregateAsync(AggregateQuery query, CancellationToken cancellationToken = default)
        => Answer(Writer.CallAsync(store => store.Aggregate(query), cancellationToken));

    /// <inheritdoc/>
    public Task<long> CountAsync(Filter? where, CancellationToken cancellationToken = default)
        => Answer(Writer.CallAsync(store => store.Count(where), cancellationToken));

    /// <inheritdoc/>
    public Task<WriteResult> UpdateAsync(Dictionary<string, object?> values, Filter? where, bool allRows, CancellationToken cancellationToken = default)
        => Answer(Writer.WriteAsync(store => store.Update(values, where, allRows), 1, cancellationToken));

    /// <inheritdoc/>
    public Task<WriteResult> DeleteAsync(Filter? where, bool allRows, CancellationToken cancellationToken = default)
        => Answer(Writer.WriteAsync(store => store.Delete(where, allRows), 1, cancellationToken));

    /// <inheritdoc/>
    public Task<CleanReport> CleanAsync(CancellationToken cancellationToken = default)
        => Answer(Writer.CallAsync(store => store.Clean(), cancellationToken));

    /// <inheritdoc/>
    public Task<ProducerProgress> GetProducerProgressAsync(string producerId, CancellationToken cancellationToken = default)
        => Answer(Writer.CallAsync(store => store.Progress(producerId), cancellationToken));

    /// <inheritdoc/>
    public Task<TableStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        var stats = Writer.Stats;
        return Task.FromResult(new TableStats(this.GetPrimaryKeyString(), stats.Commits, stats.RowsInserted, stats.Writes, stats.PendingRows, stats.PeakPendingRows, stats.Cancelled,
            options.Value.MaxPendingRows, silo.SiloAddress.ToString(), GrainContext.ActivationId.ToString()));
    }
}
