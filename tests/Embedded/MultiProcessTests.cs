using DocTable.Orleans.Tests.Embedded.Support;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>
/// Issue item 9: several OS processes, each running the embedded client, insert into one table of one
/// data directory at the same time (as DocTable users run it): no lost rows, no "database is locked".
/// </summary>
public sealed class MultiProcessTests
{
    [Fact]
    public async Task FourProcessesOnOneDataDirectory_StoreEveryRowOnce_WithoutLockErrors()
    {
        const int processes = 4, producers = 2, rows = 1500;
        await using var store = new TempStore();

        // All four start at once against a table that does not exist yet; two insert single rows, two through queue inserters.
        var runs = await Task.WhenAll(Enumerable.Range(0, processes).Select(p => DoctableCli.RunAsync(
            ["produce", "--data", store.DataDir, "--table", "shared", "--producers", $"{producers}", "--rows", $"{rows}",
             "--name", $"proc{p}-", .. p % 2 == 0 ? Array.Empty<string>() : ["--chunk", "64"]])));

        foreach (var run in runs)
        {
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.DoesNotContain("database is locked", run.Output + run.Error, StringComparison.OrdinalIgnoreCase);
            Assert.Contains($"produced {producers * rows} rows", run.Output);
        }

        var stored = store.Query("shared", "SELECT process, number, COUNT(*) FROM shared GROUP BY process, number");
        Assert.Equal(processes * producers * rows, stored.Count);
        Assert.All(stored, r => Assert.Equal(1L, r[2]));
        var expected = from p in Enumerable.Range(0, processes)
                       from k in Enumerable.Range(0, producers)
                       from n in Enumerable.Range(k * rows, rows) // producer k inserts k*N..k*N+N-1
                       select $"proc{p}-{k}/{n}";
        Assert.Equal(expected.Order(StringComparer.Ordinal), stored.Select(r => $"{r[0]}/{r[1]}").Order(StringComparer.Ordinal));
        Assert.Equal((long)processes * producers * rows, store.Query("shared", "SELECT COUNT(*), COUNT(DISTINCT id) FROM shared")[0][1]);
    }
}
