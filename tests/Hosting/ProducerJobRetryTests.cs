using System.Collections.Concurrent;
using DocTable.Orleans.Tests.Embedded.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;
using Xunit;
using Xunit.Abstractions;

namespace DocTable.Orleans.Tests.Hosting;

/// <summary>
/// How <c>Distribute(k).RunJobAsync</c> watches a producer job that fails for reasons a retry may cure
/// (<see cref="RetryPolicy.IsTransient"/>): it starts the job again, but not forever — a streak of
/// failed attempts without progress ends with <see cref="ProducerJobFailedException"/> carrying the
/// last cause, while a job that advances between its failures is kept going.
/// </summary>
public sealed class ProducerJobRetryTests(ITestOutputHelper output)
{
    /// <summary>How a <see cref="FlakyJob"/> run fails.</summary>
    [GenerateSerializer, Alias("tests.FlakyFailure")]
    public enum FlakyFailure
    {
        /// <summary>A transient error after the run's first await.</summary>
        Transient,
        /// <summary>A transient error thrown before the run's first await.</summary>
        TransientAtOnce,
        /// <summary>A typed error of bad input (not transient).</summary>
        Typed,
    }

    /// <summary>
    /// A test job: run n of <see cref="Key"/> fails as <see cref="Failure"/> says while n &lt;= <see cref="FailingRuns"/>,
    /// after reporting progress when <see cref="ReportsProgress"/>; a later run returns n.
    /// </summary>
    [GenerateSerializer, Immutable, Alias("tests.FlakyJob")]
    public sealed record FlakyJob(
        [property: Id(0)] string Key,
        [property: Id(1)] int FailingRuns,
        [property: Id(2)] FlakyFailure Failure = FlakyFailure.Transient,
        [property: Id(3)] bool ReportsProgress = false);

    /// <summary>Runs <see cref="FlakyJob"/>, counting the runs of each key.</summary>
    public sealed class FlakyJobRunner : IProducerJob<FlakyJob>
    {
        public static readonly ConcurrentDictionary<string, int> Runs = new();

        public Task<long> RunAsync(FlakyJob args, ProducerContext context, CancellationToken cancellationToken)
        {
            var run = Runs.AddOrUpdate(args.Key, 1, (_, n) => n + 1);
            if (args.ReportsProgress) context.Progress?.Report(10);
            if (run <= args.FailingRuns && args.Failure == FlakyFailure.TransientAtOnce) throw Transient(args, run);
            return RunLaterAsync(args, run);
        }

        private static async Task<long> RunLaterAsync(FlakyJob args, int run)
        {
            await Task.Yield();
            if (run > args.FailingRuns) return run;
            throw args.Failure == FlakyFailure.Typed ? new InvalidQueryException($"run {run} of {args.Key}: bad input (test)") : Transient(args, run);
        }

        private static TableUnavailableException Transient(FlakyJob args, int run) => new($"run {run} of {args.Key}: the table's group is down (test)");
    }

    /// <summary>Generous: far beyond the policies' own bounds, so only a watcher that never gives up hits it.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(90);

    /// <summary>A policy bounded by failures alone (its timeout is far beyond any test's run).</summary>
    private static readonly RetryPolicy ThreeFailures = new(TimeSpan.FromMinutes(10), TimeSpan.FromMilliseconds(20)) { MaxFailures = 3 };

    private static async Task<InProcessTestCluster> StartAsync(TempStore store)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddSingleton<IProducerJob<FlakyJob>, FlakyJobRunner>();
            silo.AddDocTable(o => o.DataDirectory = store.DataDir);
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>Runs <paramref name="job"/> as the one producer of run <paramref name="run"/> under <paramref name="policy"/>, within <see cref="Bound"/>.</summary>
    private static async Task<long> RunJobAsync(FlakyJob job, string run, RetryPolicy policy)
    {
        await using var store = new TempStore();
        await using var cluster = await StartAsync(store);
        using var stop = new CancellationTokenSource();
        try
        {
            var results = await DocTableClient.Over(cluster.Client).Distribute(1).RunJobAsync(_ => job, run, policy, stop.Token).WaitAsync(Bound);
            return Assert.Single(results);
        }
        finally
        {
            await stop.CancelAsync(); // a watcher still running after the bound stops with the test
        }
    }

    private static FlakyJob NewJob(int failingRuns, FlakyFailure failure = FlakyFailure.Transient, bool reportsProgress = false)
        => new(Guid.NewGuid().ToString("N"), failingRuns, failure, reportsProgress);

    [Fact]
    public async Task AJobThatKeepsFailingTransiently_IsGivenUpAfterTheTimeout_WithItsLastError()
    {
        var job = NewJob(int.MaxValue);
        var policy = new RetryPolicy(TimeSpan.FromSeconds(2), TimeSpan.FromMilliseconds(50));

        var error = await Assert.ThrowsAsync<ProducerJobFailedException>(() => RunJobAsync(job, "timeout", policy));
        output.WriteLine(error.Message);
        var runs = FlakyJobRunner.Runs[job.Key];
        Assert.True(runs >= 2, $"the job ran {runs} time(s); a transient failure is retried");
        Assert.StartsWith($"Producer 'timeout-p0' gave up on its job: {runs} attempts in a row failed without progress over ", error.Message);
        Assert.Contains("(the retry policy allows 2 s)", error.Message);
        Assert.EndsWith($"The last failure: TableUnavailableException: run {runs} of {job.Key}: the table's group is down (test)", error.Message);
        Assert.Equal($"run {runs} of {job.Key}: the table's group is down (test)", Assert.IsType<TableUnavailableException>(error.InnerException).Message);
    }

    [Fact]
    public async Task AJobThatKeepsFailingTransiently_IsGivenUpAfterMaxFailures()
    {
        var job = NewJob(int.MaxValue);

        var error = await Assert.ThrowsAsync<ProducerJobFailedException>(() => RunJobAsync(job, "count", ThreeFailures));
        output.WriteLine(error.Message);
        Assert.Equal(3, FlakyJobRunner.Runs[job.Key]);
        Assert.StartsWith("Producer 'count-p0' gave up on its job: 3 attempts in a row failed without progress over ", error.Message);
        Assert.Contains("(the retry policy allows 10 min or 3 failures)", error.Message);
        Assert.EndsWith($"run 3 of {job.Key}: the table's group is down (test)", error.Message);
    }

    [Fact]
    public async Task AJobThatFailsBeforeItsFirstAwait_IsBoundedTheSameWay()
    {
        var job = NewJob(int.MaxValue, FlakyFailure.TransientAtOnce);

        var error = await Assert.ThrowsAsync<ProducerJobFailedException>(() => RunJobAsync(job, "at_once", ThreeFailures));
        Assert.Equal(3, FlakyJobRunner.Runs[job.Key]);
        Assert.IsType<TableUnavailableException>(error.InnerException);
    }

    [Fact]
    public async Task AJobThatProgressesBetweenItsFailures_IsStartedAgainUntilItCompletes()
    {
        // Five failed runs, more than the policy allows in a row; each advanced before it failed.
        var job = NewJob(5, reportsProgress: true);

        Assert.Equal(6, await RunJobAsync(job, "progress", ThreeFailures));
        Assert.Equal(6, FlakyJobRunner.Runs[job.Key]);
    }

    [Fact]
    public async Task AJobsTypedError_EndsTheRunAtOnce_AsItIs()
    {
        var job = NewJob(int.MaxValue, FlakyFailure.Typed);

        var error = await Assert.ThrowsAsync<InvalidQueryException>(() => RunJobAsync(job, "typed", ThreeFailures));
        Assert.Equal($"run 1 of {job.Key}: bad input (test)", error.Message);
        Assert.Equal(1, FlakyJobRunner.Runs[job.Key]);
    }
}
