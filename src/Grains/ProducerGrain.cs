using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace DocTable.Orleans.Grains;

/// <summary>
/// A producer, one of the k workers of <c>Distribute(k)</c>. A delegate runs as one request of its own
/// activation (placed in the calling silo, the only place a delegate can run). A job runs in the
/// background of the activation, watched by status calls, so the caller learns quickly when the silo
/// running it dies and starts it again elsewhere; on deactivation the job is cancelled.
/// </summary>
[global::Orleans.Placement.PreferLocalPlacement]
public sealed class ProducerGrain(ILogger<ProducerGrain> logger) : Grain, IProducerGrain
{
    private readonly CancellationTokenSource _stopping = new();
    private JobRun? _run;

    /// <inheritdoc/>
    public Task RunAsync(ProducerWork work, int index, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        var run = work.Run ?? throw new InvalidQueryException(
            "A producer's delegate reached a silo in another process, and a delegate cannot leave its process: run delegates from a process that hosts a silo, or register a producer job (IProducerJob<TArgs>) and use Distribute(k).RunJobAsync.");
        return run(Context(index), cancellationToken);
    }

    /// <inheritdoc/>
    public Task StartJobAsync<TArgs>(TArgs args, int index, CancellationToken cancellationToken = default)
    {
        if (_run is { Job: { IsFaulted: false, IsCanceled: false } }) return Task.CompletedTask;
        var job = ServiceProvider.GetService<IProducerJob<TArgs>>()
            ?? throw new UnknownJobException($"This silo has no producer job for {typeof(TArgs).Name}: register IProducerJob<{typeof(TArgs).Name}> in the services of every silo of the cluster.");
        var run = new JobRun();
        run.Job = RunJobAsync(job, args, Context(index) with { Progress = run }, _stopping.Token);
        _run = run;
        return Task.CompletedTask;
    }

    /// <summary>The job as a task: an exception it throws before its first await fails the run, like any later one.</summary>
    private static async Task<long> RunJobAsync<TArgs>(IProducerJob<TArgs> job, TArgs args, ProducerContext context, CancellationToken cancellationToken)
        => await job.RunAsync(args, context, cancellationToken);

    /// <inheritdoc/>
    public Task<ProducerJobStatus> GetJobStatusAsync(CancellationToken cancellationToken = default)
    {
        var progress = _run?.Progress ?? 0;
        return Task.FromResult(_run?.Job switch
        {
            null => new ProducerJobStatus(ProducerJobState.NotStarted),
            { IsCompletedSuccessfully: true } done => new ProducerJobStatus(ProducerJobState.Completed, done.Result, Progress: progress),
            { IsFaulted: true } failed => new ProducerJobStatus(ProducerJobState.Failed, Error: failed.Exception!.GetBaseException(), Progress: progress),
            { IsCanceled: true } => new ProducerJobStatus(ProducerJobState.Failed, Error: new OperationCanceledException("The producer's job was cancelled."), Progress: progress),
            _ => new ProducerJobStatus(ProducerJobState.Running, Progress: progress),
        });
    }

    /// <summary>Stops a running job: whoever watches it starts it again on a live silo, where it resumes.</summary>
    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        if (_run?.Job is { IsCompleted: false } job)
        {
            logger.LogInformation("Producer {Producer}: job stopped by deactivation ({Reason})", this.GetPrimaryKeyString(), reason);
            await Task.WhenAny(job, Task.Delay(Timeout.Infinite, cancellationToken));
        }
        _stopping.Dispose();
    }

    private ProducerContext Context(int index) => new(this.GetPrimaryKeyString(), index, GrainFactory);

    /// <summary>One run of a job: its task and the highest progress it reported (jobs may report from any thread).</summary>
    private sealed class JobRun : IProgress<long>
    {
        private long _progress;

        public Task<long>? Job { get; set; }

        public long Progress => Interlocked.Read(ref _progress);

        public void Report(long value)
        {
            for (var seen = Progress; value > seen; seen = Progress)
                if (Interlocked.CompareExchange(ref _progress, value, seen) == seen) return;
        }
    }
}
