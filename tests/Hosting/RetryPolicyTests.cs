using Xunit;

namespace DocTable.Orleans.Tests.Hosting;

/// <summary><c>RetryPolicy.RunAsync</c>: its time bound counts from the first failure of a streak, and progress starts a new one.</summary>
public sealed class RetryPolicyTests
{
    private static readonly RetryPolicy Short = new(TimeSpan.FromMilliseconds(300), TimeSpan.FromMilliseconds(10));

    [Fact]
    public async Task ALongCallThatFailsOnce_IsTriedAgain_EvenAfterTheTimeoutHasPassedSinceTheStart()
    {
        var attempts = 0;
        var result = await Short.RunAsync(async () =>
        {
            if (++attempts > 1) return 42;
            await Task.Delay(TimeSpan.FromMilliseconds(600));   // worked longer than the policy's timeout, then lost its silo
            throw new TimeoutException("the silo went away");
        }, CancellationToken.None);
        Assert.Equal((42, 2), (result, attempts));
    }

    [Fact]
    public async Task CallsThatHangUntilTheyTimeOut_GiveUpOnceTheBoundHasPassedSinceTheFirstFailure()
    {
        var attempts = 0;
        await Assert.ThrowsAsync<TimeoutException>(() => Short.RunAsync<int>(async () =>
        {
            attempts++;
            await Task.Delay(TimeSpan.FromMilliseconds(400));   // longer than the policy's 300 ms, as a call timeout longer than the policy
            throw new TimeoutException("no answer");
        }, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(1)));
        Assert.Equal(2, attempts);   // the first starts the streak, the second ends it past the bound
    }

    [Fact]
    public async Task AnAttemptThatReportedProgress_StartsANewStreak_SoAProducerSurvivesEveryFailureAfterProgress()
    {
        var attempts = 0;
        var error = await Assert.ThrowsAsync<TimeoutException>(() => Short.RunAsync(async progress =>
        {
            switch (++attempts)
            {
                case 1: throw new TableUnavailableException("the group is restarting");   // starts a streak
                case 2:
                    progress.Report(1000);                               // stored a batch ...
                    await Task.Delay(TimeSpan.FromMilliseconds(400));    // ... worked past the bound since the first failure ...
                    throw new TimeoutException("the silo went away");   // ... then lost its silo
                case 3:
                    await Task.Delay(TimeSpan.FromMilliseconds(400));    // no progress: the streak that began at attempt 2's failure ...
                    throw new TimeoutException("still away");           // ... ends here, past the bound
                default: return attempts;
            }
        }, CancellationToken.None));
        Assert.Equal(("still away", 3), (error.Message, attempts));   // attempt 2 was retried after its progress; attempt 3, without any, was the last
    }

    [Fact]
    public async Task CallsThatKeepFailing_GiveUpWithTheLastError_AndTypedErrorsAreNotRetried()
    {
        var attempts = 0;
        var error = await Assert.ThrowsAsync<TableUnavailableException>(() => Short.RunAsync<int>(() =>
        {
            attempts++;
            throw new TableUnavailableException("group b is down (" + attempts + ")");
        }, CancellationToken.None));
        Assert.True(attempts > 1, $"{attempts} attempt(s)");
        Assert.EndsWith("(" + attempts + ")", error.Message);

        var typed = 0;
        await Assert.ThrowsAsync<ConstraintViolationException>(() => Short.RunAsync<int>(() =>
        {
            typed++;
            throw new ConstraintViolationException("UNIQUE");
        }, CancellationToken.None));
        Assert.Equal(1, typed);
    }
}
