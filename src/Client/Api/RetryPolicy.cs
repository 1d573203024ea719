using System.Globalization;

namespace DocTable.Orleans;

/// <summary>
/// How a call that failed because a silo died, left or could not be reached is tried again: Orleans
/// re-activates the grain on a live silo, so the same call under the same key can succeed. Typed
/// DocTable errors (bad input) are never retried.
/// </summary>
/// <param name="Timeout">Give up after trying for this long (a watched job: after its attempts have failed in a row, without progress, for this long).</param>
/// <param name="Delay">Wait between attempts.</param>
public sealed record RetryPolicy(TimeSpan Timeout, TimeSpan Delay)
{
    /// <summary>Two minutes, one attempt every 250 ms.</summary>
    public static RetryPolicy Default { get; } = new(TimeSpan.FromMinutes(2), TimeSpan.FromMilliseconds(250));

    /// <summary>
    /// True for the failures of a silo or of the connection to it (and a table whose group is down for
    /// a moment), not of the request itself: the same call may succeed once Orleans has placed the grain
    /// on a live silo.
    /// </summary>
    public static bool IsTransient(Exception e) => TransientErrors.Is(e);

    /// <summary>
    /// How many failed attempts in a row, without progress between them, <see cref="WatchJobAsync{TArgs}"/>
    /// allows a job before it gives up; null (the default): only <see cref="Timeout"/> bounds such a streak.
    /// </summary>
    public int? MaxFailures { get; init; }

    /// <summary>
    /// Starts <paramref name="producer"/>'s job and polls its status until it completes, starting it again
    /// whenever the activation running it is gone (its silo died or left) or it failed for a transient
    /// reason (<see cref="IsTransient"/>). It does not do so forever: attempts that fail in a row without
    /// the job's progress (<see cref="ProducerContext.Progress"/>) advancing between them form a streak,
    /// and once a streak has lasted <see cref="Timeout"/> (counted from its first failure) or counts
    /// <see cref="MaxFailures"/> failures, it throws <see cref="ProducerJobFailedException"/> saying how
    /// many attempts failed over how long, with the last failure. Progress ends a streak; so does, for a
    /// job that never reports progress, a run that lasted <see cref="Timeout"/> before it failed. It also
    /// gives up, with the same exception, when no status could be read for <see cref="Timeout"/>. A job's
    /// other errors (typed DocTable errors: bad input) are thrown as they are, at once.
    /// </summary>
    public async Task<long> WatchJobAsync<TArgs>(IProducerGrain producer, TArgs args, int index, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(producer);
        var streak = new FailureStreak(this, producer.GetPrimaryKeyString());
        var lastAnswer = DateTime.UtcNow;
        DateTime? running = null;   // when this watcher started the run the producer has now, if it did
        long progress = 0;          // the highest progress seen of that run
        while (true)
        {
            try
            {
                var status = await producer.GetJobStatusAsync(cancellationToken).ConfigureAwait(false);
                lastAnswer = DateTime.UtcNow;
                if (status.Progress > progress)
                {
                    progress = status.Progress;
                    streak.Progressed();
                }
                switch (status.State)
                {
                    case ProducerJobState.Completed:
                        return status.Rows;
                    case ProducerJobState.NotStarted:
                        // A run this watcher started is gone with its activation (its silo died or left).
                        if (running is { } lost) streak.Failed("the activation running the job was lost (its silo died or left) before the job ended", null, lost);
                        await StartAsync().ConfigureAwait(false);
                        break;
                    case ProducerJobState.Failed when status.Error is { } error && IsTransient(error):
                        streak.Failed($"{error.GetType().Name}: {error.Message}", error, running);
                        await StartAsync().ConfigureAwait(false);
                        break;
                    case ProducerJobState.Failed:
                        System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(status.Error ?? new InvalidOperationException("The producer's job failed."));
                        break;
                }
            }
            catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                // The silo of the activation died or left: the next call reaches a new activation.
                if (DateTime.UtcNow - lastAnswer >= Timeout)
                    throw new ProducerJobFailedException(
                        $"Producer '{streak.Producer}' gave up on its job: its status could not be read for {Describe(Timeout)} (the retry policy's timeout). " +
                        $"The last failure: {e.GetType().Name}: {e.Message}", e);
            }
            await Task.Delay(Delay, cancellationToken).ConfigureAwait(false);
        }

        async Task StartAsync()
        {
            running = null;
            try
            {
                await producer.StartJobAsync(args, index, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                streak.Failed($"starting the job failed: {e.GetType().Name}: {e.Message}", e, null);
                return;
            }
            running = DateTime.UtcNow;
            progress = 0;
        }
    }

    /// <summary>The failures of a watched job since its last progress; throws once the policy's bound is reached.</summary>
    private sealed class FailureStreak(RetryPolicy policy, string producer)
    {
        private int _failures;
        private DateTime _since;
        private bool _reported;

        public string Producer => producer;

        /// <summary>The job's progress advanced: a new streak begins with the next failure.</summary>
        public void Progressed()
        {
            _reported = true;
            _failures = 0;
        }

        /// <summary>
        /// Counts a failed attempt (a run that started at <paramref name="runStarted"/>, when known);
        /// throws <see cref="ProducerJobFailedException"/> when the streak reaches the policy's bound.
        /// </summary>
        public void Failed(string cause, Exception? error, DateTime? runStarted)
        {
            var now = DateTime.UtcNow;
            // A job that reports no progress: a run that lasted the whole timeout was not part of a streak.
            if (!_reported && runStarted is { } started && now - started >= policy.Timeout) _failures = 0;
            if (_failures++ == 0) _since = now;
            var lasted = now - _since;
            if (lasted < policy.Timeout && (policy.MaxFailures is not { } most || _failures < most)) return;
            var bound = policy.MaxFailures is { } max ? $"{Describe(policy.Timeout)} or {max} failures" : Describe(policy.Timeout);
            throw new ProducerJobFailedException(
                $"Producer '{producer}' gave up on its job: {_failures} attempt{(_failures == 1 ? "" : "s")} in a row failed without progress over {Describe(lasted)} " +
                $"(the retry policy allows {bound}). The last failure: {cause}", error);
        }
    }

    /// <summary>A duration in words: "850 ms", "12.5 s", "2 min 5 s".</summary>
    private static string Describe(TimeSpan span)
        => span < TimeSpan.FromSeconds(1) ? $"{span.TotalMilliseconds:0} ms"
            : span < TimeSpan.FromMinutes(1) ? string.Create(CultureInfo.InvariantCulture, $"{span.TotalSeconds:0.#} s")
            : $"{(int)span.TotalMinutes} min{(span.Seconds > 0 ? $" {span.Seconds} s" : "")}";

    /// <summary>
    /// Runs <paramref name="call"/> until it succeeds, fails for good, or its transient failures have
    /// gone on for <see cref="Timeout"/> since the first of them, however long each attempt took.
    /// </summary>
    public Task<T> RunAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        return RunAsync(_ => call(), cancellationToken);
    }

    /// <summary>
    /// Runs <paramref name="call"/> until it succeeds, fails for good, or its transient failures have
    /// gone on for <see cref="Timeout"/> without progress: the call is given a reporter (e.g. for
    /// <see cref="ProducerContext.Progress"/>), and an attempt that reported progress before it failed
    /// starts a new streak. So a producer that ingests for hours survives every silo failure it meets,
    /// and one that fails over and over without storing anything gives up.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<IProgress<long>, Task<T>> call, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(call);
        var progress = new ProgressCount();
        DateTime? failingSince = null;
        long seen = 0;
        while (true)
        {
            try
            {
                return await call(progress).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e) && !cancellationToken.IsCancellationRequested)
            {
                var now = DateTime.UtcNow;
                var reports = progress.Reports;
                if (failingSince is null || reports != seen) failingSince = now;
                seen = reports;
                if (now - failingSince >= Timeout) throw;
            }
            await Task.Delay(Delay, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Counts the reports of progress it is given.</summary>
    private sealed class ProgressCount : IProgress<long>
    {
        private long _reports;

        public long Reports => Interlocked.Read(ref _reports);

        public void Report(long value) => Interlocked.Increment(ref _reports);
    }
}
