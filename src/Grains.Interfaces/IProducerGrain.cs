namespace DocTable.Orleans;

/// <summary>What a producer's work sees: its id, its position, and the grains of the silo it runs in.</summary>
/// <param name="ProducerId">The producer's id (also the key of its grain).</param>
/// <param name="Index">Position of the producer among those started together (0-based).</param>
/// <param name="GrainFactory">Factory for grains.</param>
public sealed record ProducerContext(string ProducerId, int Index, IGrainFactory GrainFactory)
{
    /// <summary>
    /// Where a producer job reports how far this run of it got (e.g. the rows it has had confirmed so
    /// far; only growth matters), or null when nobody listens. The producer grain passes one: its job's
    /// status carries the value, so whoever watches the job (<c>RetryPolicy.WatchJobAsync</c>) tells a
    /// job that fails now and then while it advances from one that fails over and over.
    /// </summary>
    public IProgress<long>? Progress { get; init; }
}

/// <summary>
/// A piece of work given as a delegate. A delegate cannot leave its process, so it only reaches a
/// producer grain of a silo in the same process (embedded mode, or a service hosting its own silo),
/// passed by reference; serialized for another process it arrives empty and the producer refuses it.
/// </summary>
[GenerateSerializer, Immutable, Alias("doctable.ProducerWork")]
public sealed class ProducerWork(Func<ProducerContext, CancellationToken, Task> run)
{
    [NonSerialized]
    private readonly Func<ProducerContext, CancellationToken, Task>? _run = run;

    /// <summary>The work; null when it arrived from another process.</summary>
    public Func<ProducerContext, CancellationToken, Task>? Run => _run;
}

/// <summary>
/// A kind of producer work that silos know by its argument type <typeparamref name="TArgs"/>: the
/// silo resolves <c>IProducerJob&lt;TArgs&gt;</c> from its services, so the work can run on any silo
/// of a cluster. <c>AddDocTable</c> registers <see cref="InsertNumbersJob"/>; add your own with
/// <c>services.AddSingleton&lt;IProducerJob&lt;MyArgs&gt;, MyJob&gt;()</c>.
/// </summary>
/// <typeparam name="TArgs">The job's arguments, an Orleans-serializable type.</typeparam>
public interface IProducerJob<in TArgs>
{
    /// <summary>
    /// Runs the job for one producer and returns the rows it stored. It may be run again after a
    /// failure (a silo died): write with the producer's id and sequence numbers so a rerun resumes
    /// without duplicating rows. Report progress through <see cref="ProducerContext.Progress"/>: a
    /// watcher gives a job up when its runs keep failing without progress (see <c>RetryPolicy</c>).
    /// </summary>
    Task<long> RunAsync(TArgs args, ProducerContext context, CancellationToken cancellationToken);
}

/// <summary>
/// A producer, one of the k workers of <c>Distribute(k)</c>: runs its piece of work as a request of
/// its own activation, so producers run side by side while each stays single-threaded. Placed in the
/// caller's silo when the caller is in one (so delegates work), elsewhere on any silo.
/// </summary>
[Alias("doctable.IProducerGrain")]
public interface IProducerGrain : IGrainWithStringKey
{
    /// <summary>
    /// How long a caller waits for a producer's work: a day, since work may take that long. A producer
    /// whose silo dies fails at once (Orleans' membership), not after this.
    /// </summary>
    const string LongWork = "1.00:00:00";

    /// <summary>Runs <paramref name="work"/> (a delegate of this process) to completion; its exception reaches the caller.</summary>
    [Alias("Run"), ResponseTimeout(LongWork)]
    Task RunAsync(ProducerWork work, int index, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts the silo's <c>IProducerJob&lt;TArgs&gt;</c> with <paramref name="args"/> on this activation
    /// and returns at once; a job already running or completed here is left as it is. Throws
    /// <see cref="UnknownJobException"/> when the silo has no such job. Follow it with
    /// <see cref="GetJobStatusAsync"/>: a long job is watched by short calls, so a caller learns within
    /// seconds that the silo running it died (the next status comes from a new activation, on another
    /// silo, that has not started it) and starts it again there.
    /// </summary>
    [Alias("StartJob")]
    Task StartJobAsync<TArgs>(TArgs args, int index, CancellationToken cancellationToken = default);

    /// <summary>The state of the job started on this activation.</summary>
    [Alias("GetJobStatus")]
    Task<ProducerJobStatus> GetJobStatusAsync(CancellationToken cancellationToken = default);
}

/// <summary>Where a producer's job stands on its activation.</summary>
[GenerateSerializer, Alias("doctable.ProducerJobState")]
public enum ProducerJobState
{
    /// <summary>No job was started on this activation (a new activation, e.g. after its silo died).</summary>
    NotStarted,
    /// <summary>The job runs.</summary>
    Running,
    /// <summary>The job finished; <see cref="ProducerJobStatus.Rows"/> tells what it stored.</summary>
    Completed,
    /// <summary>The job failed with <see cref="ProducerJobStatus.Error"/>.</summary>
    Failed,
}

/// <summary>The state of a producer's job.</summary>
/// <param name="State">Where it stands.</param>
/// <param name="Rows">Rows the job reported when it completed.</param>
/// <param name="Error">Why it failed.</param>
/// <param name="Progress">The highest progress this run of the job reported (<see cref="ProducerContext.Progress"/>); 0 when it reported none.</param>
[GenerateSerializer, Immutable, Alias("doctable.ProducerJobStatus")]
public sealed record ProducerJobStatus(
    [property: Id(0)] ProducerJobState State,
    [property: Id(1)] long Rows = 0,
    [property: Id(2)] Exception? Error = null,
    [property: Id(3)] long Progress = 0);

/// <summary>
/// The seed notebook's workload as a job any silo can run: rows <c>{process, number}</c> with the
/// numbers <paramref name="From"/> .. <paramref name="From"/> + <paramref name="Count"/> - 1, written
/// in batches of <paramref name="ChunkSize"/> rows, batch k carrying the producer's sequence number k.
/// A rerun asks the table which batches it holds and sends only the others.
/// </summary>
/// <param name="Table">Table to insert into (created with the {id, updated, process, number} schema if missing).</param>
/// <param name="Process">Value of the process column.</param>
/// <param name="From">First number.</param>
/// <param name="Count">Rows to insert.</param>
/// <param name="ChunkSize">Rows per batch.</param>
/// <param name="InFlight">Batches sent before the first is confirmed.</param>
[GenerateSerializer, Immutable, Alias("doctable.InsertNumbersJob")]
public sealed record InsertNumbersJob(
    [property: Id(0)] string Table,
    [property: Id(1)] string Process,
    [property: Id(2)] long From,
    [property: Id(3)] long Count,
    [property: Id(4)] int ChunkSize = 1000,
    [property: Id(5)] int InFlight = 4);

/// <summary>The table the seed notebook writes to: <c>{id, updated, process, number}</c>.</summary>
public static class SeedTable
{
    /// <summary>The schema of the notebook's rows (the C# row type <c>SimpleRow</c> maps to the same).</summary>
    public static TableSchema Schema { get; } = new(
    [
        new ColumnDef("id", ColumnType.Int64, ColumnRole.Id, Nullable: false),
        new ColumnDef("updated", ColumnType.DateTime, ColumnRole.Updated, Nullable: false),
        new ColumnDef("process", ColumnType.Text),
        new ColumnDef("number", ColumnType.Int32, Nullable: false),
    ]);

    /// <summary>The columns a batch of the notebook's rows gives, in order.</summary>
    public static string[] Columns { get; } = ["process", "number"];
}
