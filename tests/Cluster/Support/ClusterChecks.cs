using System.Diagnostics;
using DocTable.Orleans.Client.Tools;
using Microsoft.Data.Sqlite;
using Xunit;

namespace DocTable.Orleans.Tests.Cluster.Support;

/// <summary>Assertions and measurements shared by the cluster tests.</summary>
public static class ClusterChecks
{
    /// <summary>
    /// Checks that <paramref name="table"/> holds exactly the rows of <paramref name="producers"/>, each
    /// once, and nothing else: per process the count, the distinct numbers and their range (count =
    /// distinct = N and min..max = From..From+N-1 means every number exactly once), no other process,
    /// and the table's total. Returns a one-line summary.
    /// </summary>
    public static async Task<string> AssertExactlyOnceAsync(ITableGrain table, IReadOnlyList<ProducerRange> producers)
    {
        var result = await table.AggregateAsync(new AggregateQuery(
            [Aggregate.Count(), Aggregate.CountDistinct("number"), Aggregate.Min("number"), Aggregate.Max("number")], GroupBy: ["process"]));
        Assert.Equal(["process", "count", "count_distinct_number", "min_number", "max_number"], result.Columns);
        var stored = result.Rows.ToDictionary(r => (string)r[0]!, r => (Count: (long)r[1]!, Distinct: (long)r[2]!, Min: (long)r[3]!, Max: (long)r[4]!));
        Assert.Equal(producers.Select(p => p.Process).Order(StringComparer.Ordinal), stored.Keys.Order(StringComparer.Ordinal));
        foreach (var p in producers)
        {
            var s = stored[p.Process];
            Assert.True(s == (p.Count, p.Count, p.From, p.From + p.Count - 1),
                $"process {p.Process}: expected {p.Count} rows, {p.Count} distinct numbers {p.From}..{p.From + p.Count - 1}; stored {s.Count} rows, {s.Distinct} distinct numbers {s.Min}..{s.Max}");
        }
        var total = producers.Sum(p => p.Count);
        Assert.Equal(total, await table.CountAsync(null));
        Assert.Equal(total, stored.Values.Sum(s => s.Distinct));
        return $"{total:N0} rows, {total:N0} distinct (process, number) pairs, {producers.Count} producers each complete";
    }

    /// <summary>
    /// Rows in <paramref name="table"/>'s file in <paramref name="dataDirectory"/> (of <paramref name="process"/>
    /// only, when given), read with a read-only connection of this process, not through the cluster:
    /// it answers while the silo hosting the table is dead. 0 while the file or table does not exist yet.
    /// </summary>
    public static long StoredRows(string dataDirectory, string table, string? process = null)
    {
        var path = Path.Combine(dataDirectory, table + ".db");
        if (!File.Exists(path)) return 0;
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 10 }.ToString());
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT COUNT(*) FROM \"{table}\"" + (process is null ? "" : " WHERE process = $p");
            if (process is not null) command.Parameters.AddWithValue("$p", process);
            return (long)command.ExecuteScalar()!;
        }
        catch (SqliteException)
        {
            return 0; // the table is being created
        }
    }

    /// <summary>Rows per process in <paramref name="table"/>'s file, read as <see cref="StoredRows"/> reads.</summary>
    public static Dictionary<string, long> StoredRowsByProcess(string dataDirectory, string table)
    {
        var path = Path.Combine(dataDirectory, table + ".db");
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        if (!File.Exists(path)) return result;
        try
        {
            using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false, DefaultTimeout = 10 }.ToString());
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = $"SELECT process, COUNT(*) FROM \"{table}\" GROUP BY process";
            using var reader = command.ExecuteReader();
            while (reader.Read()) result[reader.GetString(0)] = reader.GetInt64(1);
        }
        catch (SqliteException)
        {
            // the table is being created
        }
        return result;
    }

    /// <summary>
    /// Waits until every one of <paramref name="producers"/> has at least <paramref name="atLeastEach"/>
    /// rows stored — all of them are ingesting, so a fault landing now lands mid-ingest for each — or,
    /// should the producers have started so far apart that one is about to finish first (3/4 of its rows
    /// stored), until then. Checks that no producer has finished and that at least half are mid-ingest
    /// (some rows stored, not all). Fails when <paramref name="stillRunning"/> turns false first.
    /// Returns the rows stored per process.
    /// </summary>
    public static async Task<Dictionary<string, long>> WaitUntilIngestingAsync(string dataDirectory, string table, IReadOnlyList<ProducerRange> producers,
        long atLeastEach, Func<bool> stillRunning, TimeSpan? timeout = null)
    {
        var bound = timeout ?? TimeSpan.FromMinutes(3);
        var deadline = DateTime.UtcNow + bound;
        while (true)
        {
            var stored = StoredRowsByProcess(dataDirectory, table);
            long Of(ProducerRange p) => stored.GetValueOrDefault(p.Process);
            var seen = string.Join(", ", producers.Select(p => $"{p.Process}: {Of(p)}"));
            if (producers.All(p => Of(p) >= atLeastEach) || producers.Any(p => Of(p) >= p.Count * 3 / 4))
            {
                Assert.True(producers.All(p => Of(p) < p.Count), $"a producer had stored all its rows before the fault ({seen})");
                Assert.True(producers.Count(p => Of(p) > 0) * 2 >= producers.Count, $"fewer than half the producers were ingesting when the first was about to finish ({seen})");
                return stored;
            }
            Assert.True(stillRunning(), $"the ingest ended before every producer had {atLeastEach} rows stored ({seen})");
            if (DateTime.UtcNow > deadline) Assert.Fail($"not every producer had {atLeastEach} rows stored in {table} after {bound} ({seen})");
            await Task.Delay(10);
        }
    }

    /// <summary>
    /// Waits for every process to end and checks that each ended with exit code 0 and printed
    /// <paramref name="expect"/>.
    /// </summary>
    public static async Task AssertAllSucceedAsync(IEnumerable<OsProcess> processes, string expect, TimeSpan timeout)
    {
        var all = processes.ToArray();
        var codes = await Task.WhenAll(all.Select(p => p.WaitForExitAsync(timeout)));
        for (var i = 0; i < all.Length; i++)
        {
            Assert.True(codes[i] == 0, $"{all[i]} ended with exit code {codes[i]}:\n{all[i].Tail(30)}");
            Assert.True(all[i].Output.Contains(expect, StringComparison.Ordinal), $"{all[i]} did not print '{expect}':\n{all[i].Tail(30)}");
        }
    }
}

/// <summary>
/// Measures a failover as clients see it, from <see cref="Start"/> (called just before the fault is
/// signalled): a call to the table is sent every 100 ms without waiting for earlier ones (a call stuck
/// on the dying silo delays no measure) until one is answered by another silo than the dying one
/// (<see cref="Answered"/>) and one reports that the new activation has stored rows
/// (<see cref="SurvivorWrote"/>); and, from <see cref="WatchFile"/> (once the dying silo is gone), how
/// long until the table's file holds more committed rows than then (<see cref="FileGrew"/>).
/// </summary>
public sealed class FailoverProbe
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly TaskCompletionSource<TimeSpan?> _answered = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<TimeSpan?> _wrote = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TimeSpan _bound;
    private Task<TimeSpan?> _fileGrew = Task.FromResult<TimeSpan?>(null);

    private FailoverProbe(TimeSpan bound) => _bound = bound;

    /// <summary>Starts calling <paramref name="table"/>; <paramref name="dying"/> is the silo about to die or leave.</summary>
    public static FailoverProbe Start(ITableGrain table, SiloProcess dying, TimeSpan? bound = null)
    {
        var probe = new FailoverProbe(bound ?? TimeSpan.FromSeconds(90));
        _ = probe.CallAsync(table, dying);
        return probe;
    }

    /// <summary>Time until a survivor first answered (null: not within the bound).</summary>
    public Task<TimeSpan?> Answered => _answered.Task;

    /// <summary>Time until a survivor's activation first reported rows it stored (null: not within the bound).</summary>
    public Task<TimeSpan?> SurvivorWrote => _wrote.Task;

    /// <summary>Time until the file first held more than the rows given to <see cref="WatchFile"/> (null: not within the bound).</summary>
    public Task<TimeSpan?> FileGrew => _fileGrew;

    /// <summary>Starts watching the table's file for the first commit after <paramref name="rowsNow"/>.</summary>
    public void WatchFile(string dataDirectory, string table, long rowsNow) => _fileGrew = WatchFileAsync(dataDirectory, table, rowsNow);

    private async Task CallAsync(ITableGrain table, SiloProcess dying)
    {
        var calls = new List<Task>();
        while (!_wrote.Task.IsCompleted && _clock.Elapsed < _bound)
        {
            calls.Add(Task.Run(async () =>
            {
                try
                {
                    var stats = await table.GetStatsAsync();
                    if (dying.Is(stats.Silo)) return;
                    var at = _clock.Elapsed;
                    _answered.TrySetResult(at);
                    if (stats.RowsInserted > 0) _wrote.TrySetResult(at);
                }
                catch (Exception)
                {
                    // stuck on the dying silo, or sent before its death was known: a later call answers
                }
            }));
            await Task.WhenAny(_wrote.Task, Task.Delay(100));
        }
        _answered.TrySetResult(null);
        _wrote.TrySetResult(null);
        _ = Task.WhenAll(calls).ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
    }

    private async Task<TimeSpan?> WatchFileAsync(string dataDirectory, string table, long rowsNow)
    {
        while (_clock.Elapsed < _bound)
        {
            if (ClusterChecks.StoredRows(dataDirectory, table) > rowsNow) return _clock.Elapsed;
            await Task.Delay(10);
        }
        return null;
    }
}
