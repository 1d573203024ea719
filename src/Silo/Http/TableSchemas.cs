using System.Collections.Concurrent;

namespace DocTable.Orleans.Http;

/// <summary>
/// The schemas of the tables the HTTP API has seen, so that converting a request body to storage values
/// costs no extra call to the table (a call that would also end the table's open transaction early).
/// A stored schema only ever gains columns, so a cached one stays right for every column it has; a
/// body naming a column it lacks refreshes it once, and a table reported unknown is forgotten.
/// </summary>
internal sealed class TableSchemas(IGrainFactory grains)
{
    private readonly ConcurrentDictionary<string, TableSchema> _known = new(StringComparer.Ordinal);

    /// <summary>The table's schema, from the cache or the table (<see cref="UnknownTableException"/> when it does not exist).</summary>
    public ValueTask<TableSchema> GetAsync(string table, CancellationToken cancellationToken)
        => _known.TryGetValue(table, out var schema) ? ValueTask.FromResult(schema) : new ValueTask<TableSchema>(RefreshAsync(table, cancellationToken));

    /// <summary>Reads the schema from the table again.</summary>
    public async Task<TableSchema> RefreshAsync(string table, CancellationToken cancellationToken)
    {
        try
        {
            var schema = await grains.GetGrain<ITableGrain>(table).OpenAsync(null, cancellationToken);
            _known[table] = schema;
            return schema;
        }
        catch (UnknownTableException)
        {
            _known.TryRemove(table, out _);
            throw;
        }
    }

    /// <summary>Records the schema a create or open returned.</summary>
    public void Set(string table, TableSchema schema) => _known[table] = schema;

    /// <summary>Forgets a table (it was reported unknown).</summary>
    public void Forget(string table) => _known.TryRemove(table, out _);
}
