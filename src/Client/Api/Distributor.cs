namespace DocTable.Orleans;

/// <summary>
/// One of the workers of <see cref="Distributor.MapChunkAsync{TItem}"/>: its id, its position and
/// handles on tables that belong to it (so its queue inserters are its own).
/// </summary>
public sealed class Producer
{
    private readonly IGrainFactory _grains;

    internal Producer(ProducerContext context)
    {
        _grains = context.GrainFactory;
        Id = context.ProducerId;
        Index = context.Index;
    }

    /// <summary>The producer's id.</summary>
    public string Id { get; }

    /// <summary>The producer's position (0-based); it also received the <c>Index</c>-th chunk.</summary>
    public int Index { get; }

    /// <summary>The table <paramref name="name"/> seen through <typeparamref name="T"/>, owned by this producer.</summary>
    public Table<T> Table<T>(string name) where T : new() => new(_grains, name, Id);
}

/// <summary>
/// DocTable's <c>Distribute(k)</c>: splits items into k contiguous chunks and runs each on its own
/// producer grain, concurrently. Unlike DocTable, any k works, and a worker's exception reaches the
/// caller at once (the other workers are cancelled); rows already committed stay.
/// </summary>
public sealed class Distributor
{
    private readonly IGrainFactory _grains;

    internal Distributor(IGrainFactory grains, int workers)
    {
        if (workers < 1) throw new ArgumentOutOfRangeException(nameof(workers), workers, "Distribute needs at least one worker.");
        _grains = grains;
        Workers = workers;
    }

    /// <summary>Number of workers.</summary>
    public int Workers { get; }

    /// <summary>Splits <paramref name="items"/> into <see cref="Workers"/> contiguous chunks whose sizes differ by at most one.</summary>
    public static List<IReadOnlyList<TItem>> Chunk<TItem>(IReadOnlyList<TItem> items, int chunks)
    {
        var result = new List<IReadOnlyList<TItem>>(chunks);
        var start = 0;
        for (var i = 0; i < chunks; i++)
        {
            var size = items.Count / chunks + (i < items.Count % chunks ? 1 : 0);
            result.Add(new ArraySegment<TItem>(items as TItem[] ?? items.ToArray(), start, size));
            start += size;
        }
        return result;
    }

    /// <summary>
    /// Runs <paramref name="worker"/> on each chunk of <paramref name="items"/> on its own producer grain
    /// and waits for all. The first failure cancels the others and is thrown.
    /// </summary>
    public async Task MapChunkAsync<TItem>(IReadOnlyList<TItem> items, Func<IReadOnlyList<TItem>, Producer, CancellationToken, Task> worker, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(worker);
        var array = items as TItem[] ?? items.ToArray();
        var chunks = Chunk(array, Workers);
        var run = Guid.NewGuid().ToString("N")[..8];
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new List<Task>(Workers);
        for (var i = 0; i < Workers; i++)
        {
            var chunk = chunks[i];
            var grain = _grains.GetGrain<IProducerGrain>($"{run}-p{i}");
            tasks.Add(grain.RunAsync((context, ct) => worker(chunk, new Producer(context), ct), i, cts.Token));
        }
        var pending = new HashSet<Task>(tasks);
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending).ConfigureAwait(false);
            pending.Remove(done);
            if (done.IsFaulted || done.IsCanceled)
            {
                await cts.CancelAsync().ConfigureAwait(false);
                foreach (var other in pending) _ = other.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
                await done.ConfigureAwait(false);
            }
        }
    }
}
