using System.Collections.Concurrent;

namespace DocTable.Orleans.Grains;

/// <summary>The keys of the queue-inserter activations of this silo, so that shutdown can flush them first.</summary>
public sealed class LocalQueueInserters
{
    private readonly ConcurrentDictionary<string, byte> _keys = new(StringComparer.Ordinal);

    /// <summary>Records an activation.</summary>
    public void Add(string key) => _keys.TryAdd(key, 0);

    /// <summary>Forgets an activation.</summary>
    public void Remove(string key) => _keys.TryRemove(key, out _);

    /// <summary>The keys of the activations now.</summary>
    public string[] Keys => [.. _keys.Keys];
}
