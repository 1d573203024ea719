using System.Diagnostics;
using System.Globalization;
using DocTable.Orleans.Client.Tools;
using Xunit.Abstractions;

namespace DocTable.Orleans.Tests.Cluster.Support;

/// <summary>
/// Everything one cluster test runs on: a scratch directory, a private Redis, a fresh cluster id
/// (<c>redis://127.0.0.1:P/test-xxxxxxxx</c>), and the silos, producer and CLI processes and clients
/// the test starts. Disposing closes the clients, kills every process still running, stops Redis,
/// writes each process's end and the tail of its output to the test log, and deletes the directory.
/// </summary>
public sealed class ClusterHarness : IAsyncDisposable
{
    private readonly ITestOutputHelper _output;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly List<OsProcess> _processes = [];
    private readonly List<SiloProcess> _silos = [];
    private readonly List<DocTableClient> _clients = [];

    private ClusterHarness(ITestOutputHelper output, string root, PrivateRedis redis, string clusterId)
    {
        _output = output;
        Root = root;
        Redis = redis;
        ClusterId = clusterId;
    }

    /// <summary>The scratch directory.</summary>
    public string Root { get; }

    /// <summary>The test's Redis.</summary>
    public PrivateRedis Redis { get; }

    /// <summary>The test's cluster id.</summary>
    public string ClusterId { get; }

    /// <summary>The cluster's address, <c>redis://127.0.0.1:P/test-xxxxxxxx</c>.</summary>
    public string Cluster => Redis.ClusterAddress(ClusterId);

    /// <summary>The Redis key of the cluster's table catalog (table → group).</summary>
    public string CatalogKey => $"doctable/{ClusterId}/tables";

    /// <summary>The silos started so far, stopped ones included.</summary>
    public IReadOnlyList<SiloProcess> Silos => _silos;

    /// <summary>Starts a private Redis (with an append-only file when <paramref name="persistentRedis"/>) for a fresh cluster id.</summary>
    public static async Task<ClusterHarness> StartAsync(ITestOutputHelper output, bool persistentRedis = false)
    {
        var root = Directory.CreateTempSubdirectory("doctable-cluster-").FullName;
        var redis = await PrivateRedis.StartAsync(Path.Combine(root, "redis"), persistentRedis);
        var harness = new ClusterHarness(output, root, redis, "test-" + Guid.NewGuid().ToString("N")[..8]);
        harness.Log($"cluster {harness.Cluster} (redis pid {redis.Server!.Id}{(persistentRedis ? ", append-only file" : "")}), scratch {root}");
        return harness;
    }

    /// <summary>A directory under the scratch directory (created).</summary>
    public string Dir(string name) => Directory.CreateDirectory(Path.Combine(Root, name)).FullName;

    /// <summary>Writes a line to the test log, with the seconds since the harness started.</summary>
    public void Log(string message) => _output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{_clock.Elapsed.TotalSeconds,7:0.000}] {message}"));

    /// <summary>Starts silos of the cluster side by side and waits until every one is ready.</summary>
    public async Task<SiloProcess[]> StartSilosAsync(params (string Name, string Group, string Data)[] silos)
    {
        var started = silos.Select(s => StartSilo(s.Name, s.Group, s.Data)).ToArray();
        await Task.WhenAll(started.Select(s => s.WaitReadyAsync()));
        foreach (var silo in started) Log($"ready: {silo}");
        return started;
    }

    /// <summary>Starts one silo of the cluster (not waiting until it is ready).</summary>
    public SiloProcess StartSilo(string name, string group, string data, bool dashboard = false, bool viaCli = false)
    {
        var silo = SiloProcess.Start(new SiloProcessOptions(data) { Name = name, Cluster = Cluster, Group = group, Dashboard = dashboard, ViaCli = viaCli });
        lock (_processes)
        {
            _silos.Add(silo);
            _processes.Add(silo.Process);
        }
        Log($"started {silo}{(viaCli ? " via doctable silo" : "")}");
        return silo;
    }

    /// <summary>A client of the cluster in this process; closed when the harness is disposed.</summary>
    public async Task<DocTableClient> ConnectAsync(TimeSpan? callTimeout = null)
    {
        var client = await DocTableClient.ConnectAsync(Cluster, callTimeout);
        lock (_clients) _clients.Add(client);
        return client;
    }

    /// <summary>Starts <c>dotnet doctable.dll <paramref name="args"/></c>.</summary>
    public OsProcess StartCli(string name, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = OsProcess.Dotnet(name, "doctable.dll", args, environment);
        lock (_processes) _processes.Add(process);
        Log($"started {process}: doctable {string.Join(' ', args)}");
        return process;
    }

    /// <summary>
    /// Starts a producer process, <c>doctable produce-worker</c>, writing <paramref name="range"/> into
    /// <paramref name="table"/> in batches of 1000 rows, <paramref name="inFlight"/> batches in flight.
    /// </summary>
    public OsProcess StartProducer(string table, ProducerRange range, int inFlight = 4)
        => StartCli($"producer {range.Process}", ["produce-worker", "--cluster", Cluster, "--table", table, "--producer-id", range.ProducerId,
            "--process", range.Process, "--from", $"{range.From}", "--count", $"{range.Count}", "--chunk", "1000", "--in-flight", $"{inFlight}"]);

    /// <summary>The silo hosting <paramref name="table"/>'s activation now, from the table's own stats.</summary>
    public async Task<SiloProcess> HostOfAsync(ITableGrain table)
    {
        var stats = await table.GetStatsAsync();
        SiloProcess[] matching;
        lock (_processes) matching = _silos.Where(s => s.Is(stats.Silo)).ToArray();
        return matching.Length == 1 ? matching[0] : throw new InvalidOperationException($"Table {stats.Table} is hosted on {stats.Silo}, which is not one of this test's silos.");
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        DocTableClient[] clients;
        lock (_clients) clients = [.. _clients];
        foreach (var client in clients)
        {
            try { await client.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(15)); }
            catch (Exception e) { Log($"closing a client: {e.GetType().Name}: {e.Message}"); }
        }
        OsProcess[] processes;
        lock (_processes) processes = [.. _processes];
        foreach (var process in processes)
        {
            var failed = process.HasExited && process.ExitCode != 0 && !process.Name.StartsWith("redis", StringComparison.Ordinal);
            var ended = process.HasExited ? $"exit code {process.ExitCode}" : "still running: killed";
            await process.KillAsync();
            var failures = process.Output.Split('\n').Where(l => l.Contains(" fail: ", StringComparison.Ordinal) || l.Contains(" crit: ", StringComparison.Ordinal)).Take(10).ToArray();
            Log($"--- {process}, {ended}; {failures.Length} error log line(s){(failures.Length > 0 ? ":\n" + string.Join('\n', failures) : "")}\n... last lines:\n{process.Tail(failed ? 60 : 12)}");
        }
        foreach (var process in processes) await process.DisposeAsync();
        await Redis.DisposeAsync();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(Root, recursive: true);
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException && attempt < 20)
            {
                await Task.Delay(100);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Log($"could not delete {Root}: {e.Message}");
                return;
            }
        }
    }
}
