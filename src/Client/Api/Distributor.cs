namespace DocTable.Orleans;

/// <summary>
/// One of the workers of <see cref="Distributor.MapChunkAsync{TItem}"/>: its id, its position and
/// handles on tables that belong to it (so its queue inserters are its own).
/// </summary>
public sealed class Producer
{
    private readonly DocTableClient _client;

    internal Producer(DocTableClient client, string id, int index)
    {
        _client = client;
        Id = id;
        Index = index;
    }

    /// <summary>The producer's id.</summary>
    public string Id { get; }

    /// <summary>The producer's position (0-based); it also received the <c>Index</c>-th chunk.</summary>
    public int Index { get; }

    /// <summary>The table <paramref name="name"/> seen through <typeparamref name="T"/>, owned by this producer.</summary>
    public Table<T> Table<T>(string name) where T : new() => new(_client, name, Id);
}

/// <summary>
/// DocTable's <c>Distribute(k)</c>: k producers working side by side. <see cref="MapChunkAsync{TItem}"/>
/// splits items into k contiguous chunks and runs a delegate on each — on producer grains of this
/// process's silo (a delegate cannot leave its process), or, on a client of a remote cluster, as k
/// tasks here. <see cref="RunJobAsync{TArgs}"/> runs a job the silos know on producer grains spread
/// over the cluster. Unlike DocTable, any k works, and a worker's exception reaches the caller at once
/// (the other workers are cancelled); rows already committed stay.
/// </summary>
public sealed class Distributor
{
    private readonly DocTableClient _client;

    internal Distributor(DocTableClient client, int workers)
    {
        if (workers < 1) throw new ArgumentOutOfRangeException(nameof(workers), workers, "Distribute needs at least one worker.");
        _client = client;
        Workers = workers;
    }

    /// <summary>Number of workers.</summary>
    public int Workers { get; }

    /// <summary>Splits <paramref name="items"/> into <paramref name="chunks"/> contiguous chunks whose sizes differ by at most one.</summary>
    public static List<IReadOnlyList<TItem>> Chunk<TItem>(IReadOnlyList<TItem> items, int chunks)
    {
        ArgumentNullException.ThrowIfNull(items);
        var array = items as TItem[] ?? items.ToArray();
        var result = new List<IReadOnlyList<TItem>>(chunks);
        var start = 0;
        for (var i = 0; i < chunks; i++)
        {
            var size = array.Length / chunks + (i < array.Length % chunks ? 1 : 0);
            result.Add(new ArraySegment<TItem>(array, start, size));
            start += size;
        }
        return result;
    }

    /// <summary>
    /// Runs <paramref name="worker"/> on each chunk of <paramref name="items"/>, one producer per chunk,
    /// and waits for all. The first failure cancels the others and is thrown.
    /// </summary>
    public Task MapChunkAsync<TItem>(IReadOnlyList<TItem> items, Func<IReadOnlyList<TItem>, Producer, CancellationToken, Task> worker, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        ArgumentNullException.ThrowIfNull(worker);
        var chunks = Chunk(items, Workers);
        var run = NewRunId();
        return RunAllAsync(cancellationToken, (i, ct) =>
        {
            var producerId = $"{run}-p{i}";
            if (!_client.InSilo) return worker(chunks[i], new Producer(_client, producerId, i), ct);
            var work = new ProducerWork((context, token) => worker(chunks[i], new Producer(_client, context.ProducerId, context.Index), token));
            return _client.GrainFactory.GetGrain<IProducerGrain>(producerId).RunAsync(work, i, ct);
        });
    }

    /// <summary>
    /// Runs the silos' <c>IProducerJob&lt;TArgs&gt;</c> once per producer, with the arguments
    /// <paramref name="argsFor"/> gives for each index, on producer grains <c>{runId}-p{i}</c> (spread over
    /// the silos when this is a client of a cluster). Each job is started, then watched with short
    /// status calls; when the silo running one dies or leaves, the job is started again under the same
    /// producer id on another silo, where a job that writes with its producer id and sequence numbers
    /// (as <see cref="InsertNumbersJob"/> does) resumes where the table stands. A job's typed error
    /// (bad input) ends the run, as does <see cref="ProducerJobFailedException"/> when a job's attempts
    /// keep failing without progress for longer than <paramref name="retry"/> allows
    /// (<see cref="RetryPolicy.WatchJobAsync{TArgs}"/>). Returns what each producer's completed job reported.
    /// </summary>
    public async Task<long[]> RunJobAsync<TArgs>(Func<int, TArgs> argsFor, string? runId = null, RetryPolicy? retry = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(argsFor);
        var run = runId ?? NewRunId();
        var results = new long[Workers];
        var policy = retry ?? RetryPolicy.Default;
        await RunAllAsync(cancellationToken, async (i, ct) =>
        {
            var producer = _client.GrainFactory.GetGrain<IProducerGrain>($"{run}-p{i}");
            results[i] = await policy.WatchJobAsync(producer, argsFor(i), i, ct).ConfigureAwait(false);
        }).ConfigureAwait(false);
        return results;
    }

    private static string NewRunId() => Guid.NewGuid().ToString("N")[..8];

    /// <summary>Starts <see cref="Workers"/> tasks and waits for all; the first failure cancels the rest and is thrown.</summary>
    private async Task RunAllAsync(CancellationToken cancellationToken, Func<int, CancellationToken, Task> start)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var pending = new HashSet<Task>();
        for (var i = 0; i < Workers; i++)
        {
            var index = i;
            pending.Add(Task.Run(() => start(index, cts.Token), CancellationToken.None));
        }
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
