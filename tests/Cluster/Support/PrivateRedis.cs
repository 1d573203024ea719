using StackExchange.Redis;

namespace DocTable.Orleans.Tests.Cluster.Support;

/// <summary>
/// A redis-server of one test on an explicit free port of loopback, over a directory of its own:
/// <c>redis-server --port P --bind 127.0.0.1 --save "" --appendonly no|yes --dir DIR</c>, ready once
/// <c>redis-cli -p P ping</c> answers. With <c>persistent</c> it keeps an append-only file, so a
/// restart on the same port and directory (<see cref="StopAsync"/>, <see cref="StartAsync()"/>) keeps
/// the cluster's membership and table catalog.
/// </summary>
public sealed class PrivateRedis : IAsyncDisposable
{
    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(30);
    private readonly bool _persistent;
    private OsProcess? _server;

    private PrivateRedis(string directory, bool persistent)
    {
        Directory = directory;
        _persistent = persistent;
        Port = FreePorts.Next();
    }

    /// <summary>The port it listens on (the same after a restart).</summary>
    public int Port { get; }

    /// <summary>Its working directory (append-only file, logs).</summary>
    public string Directory { get; }

    /// <summary>The running server process, if it runs.</summary>
    public OsProcess? Server => _server;

    /// <summary>Starts a server over <paramref name="directory"/> and waits until it answers PING.</summary>
    public static async Task<PrivateRedis> StartAsync(string directory, bool persistent = false)
    {
        System.IO.Directory.CreateDirectory(directory);
        var redis = new PrivateRedis(directory, persistent);
        await redis.StartAsync();
        return redis;
    }

    /// <summary>Starts the server (again) on <see cref="Port"/> over <see cref="Directory"/> and waits until it answers PING.</summary>
    public async Task StartAsync()
    {
        if (_server is { HasExited: false }) throw new InvalidOperationException("redis-server already runs.");
        _server = OsProcess.Start($"redis:{Port}", "redis-server",
            ["--port", $"{Port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", _persistent ? "yes" : "no", "--dir", Directory]);
        var deadline = DateTime.UtcNow + Ready;
        while (!await PingAsync(Port))
        {
            if (_server.HasExited) throw new InvalidOperationException($"redis-server on port {Port} ended with exit code {_server.ExitCode}:\n{_server.Tail(20)}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"redis-server on port {Port} did not answer PING within {Ready}:\n{_server.Tail(20)}");
            await Task.Delay(20);
        }
    }

    /// <summary>Stops the server with SIGTERM (it writes its append-only file and exits) and waits until it is gone.</summary>
    public async Task StopAsync()
    {
        if (_server is null || _server.HasExited) return;
        _server.Terminate();
        var code = await _server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        if (code != 0) throw new InvalidOperationException($"redis-server on port {Port} exited with code {code}:\n{_server.Tail(20)}");
    }

    /// <summary>The address of cluster <paramref name="clusterId"/> on this Redis.</summary>
    public string ClusterAddress(string clusterId) => $"redis://127.0.0.1:{Port}/{clusterId}";

    /// <summary>True when <c>redis-cli -p <paramref name="port"/> ping</c> answers PONG.</summary>
    public static async Task<bool> PingAsync(int port)
    {
        await using var cli = OsProcess.Start("redis-cli", "redis-cli", ["-p", $"{port}", "ping"]);
        await cli.WaitForExitAsync(TimeSpan.FromSeconds(10));
        return cli.ExitCode == 0 && cli.Output.Contains("PONG", StringComparison.Ordinal);
    }

    /// <summary>Every field and value of hash <paramref name="key"/>.</summary>
    public async Task<Dictionary<string, string>> HashAsync(string key)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port}");
        var entries = await redis.GetDatabase().HashGetAllAsync(key);
        return entries.ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
