using System.Collections.Concurrent;
using DocTable.Orleans.Grains;
using StackExchange.Redis;

namespace DocTable.Orleans;

/// <summary>
/// The table catalog of a cluster, in the cluster's Redis: one hash <c>doctable/{cluster-id}/tables</c>
/// mapping table to group. A table is claimed with HSETNX, so the first group wins and the entry never
/// changes; entries read are cached for the life of the silo.
/// </summary>
public sealed class RedisTableCatalog(ClusterAddress address) : ITableCatalog, IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, string> _known = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private readonly RedisKey _key = $"doctable/{address.ClusterId}/tables";
    private ConnectionMultiplexer? _redis;

    /// <inheritdoc/>
    public string Location { get; } = $"the table catalog in the cluster's Redis at {address}";

    /// <inheritdoc/>
    public async Task<string?> GroupOfAsync(string table)
    {
        if (_known.TryGetValue(table, out var group)) return group;
        var stored = await (await DatabaseAsync()).HashGetAsync(_key, table);
        return stored.IsNull ? null : _known.GetOrAdd(table, stored.ToString());
    }

    /// <inheritdoc/>
    public async Task<string> ClaimAsync(string table, string group)
    {
        if (_known.TryGetValue(table, out var known)) return known;
        var db = await DatabaseAsync();
        await db.HashSetAsync(_key, table, group, When.NotExists);
        var holder = (await db.HashGetAsync(_key, table)).ToString();
        return _known.GetOrAdd(table, holder);
    }

    /// <summary>
    /// Claims every table with HSETNX and then reads the holders with HMGET, pipelined in chunks, so a
    /// data directory of many tables costs a few round trips.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, string>> ClaimAllAsync(IReadOnlyCollection<string> tables, string group)
    {
        ArgumentNullException.ThrowIfNull(tables);
        var db = await DatabaseAsync();
        var holders = new Dictionary<string, string>(tables.Count, StringComparer.Ordinal);
        foreach (var chunk in tables.Chunk(1000))
        {
            // Sent in order on one connection: each HMGET sees the claims before it.
            var claims = chunk.Select(table => db.HashSetAsync(_key, table, group, When.NotExists)).ToArray();
            var read = db.HashGetAsync(_key, [.. chunk.Select(table => (RedisValue)table)]);
            await Task.WhenAll(claims);
            var stored = await read;
            for (var i = 0; i < chunk.Length; i++)
            {
                if (stored[i].IsNull)
                    throw new InvalidOperationException($"Table '{chunk[i]}' was claimed in {_key} but its entry is gone: something else deletes entries of the table catalog.");
                holders[chunk[i]] = _known.GetOrAdd(chunk[i], stored[i].ToString());
            }
        }
        return holders;
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyDictionary<string, int>> TablesPerGroupAsync()
    {
        var entries = await (await DatabaseAsync()).HashGetAllAsync(_key);
        return entries.GroupBy(e => e.Value.ToString()).ToDictionary(g => g.Key, g => g.Count());
    }

    private async Task<IDatabase> DatabaseAsync()
    {
        if (_redis is { } ready) return ready.GetDatabase();
        await _connecting.WaitAsync();
        try
        {
            _redis ??= await ConnectionMultiplexer.ConnectAsync(address.RedisOptions(TimeSpan.FromSeconds(5)));
            return _redis.GetDatabase();
        }
        finally
        {
            _connecting.Release();
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_redis is not null) await _redis.DisposeAsync();
        _connecting.Dispose();
    }
}
