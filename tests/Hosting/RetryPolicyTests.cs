using Xunit;

namespace DocTable.Orleans.Tests.Hosting;

/// <summary><see cref="RetryPolicy.RunAsync{T}"/>: its time bound counts from the first failure of a streak.</summary>
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
    public async Task CallsThatHangUntilTheyTimeOut_DoNotStartNewStreaks_AndGiveUp()
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
