using Xunit;

namespace DocTable.Orleans.Tests.Embedded.Support;

/// <summary>Waits on conditions with generous bounds (never asserts a timing).</summary>
public static class Wait
{
    /// <summary>The default bound: long enough for a loaded 2-core machine.</summary>
    public static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    /// <summary>Polls <paramref name="condition"/> until it holds; fails the test naming <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Long);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline) Assert.Fail($"Timed out waiting until {what}.");
            await Task.Delay(20);
        }
    }

    /// <summary>Synchronous-condition overload of <see cref="UntilAsync(Func{Task{bool}}, string, TimeSpan?)"/>.</summary>
    public static Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
        => UntilAsync(() => Task.FromResult(condition()), what, timeout);
}
