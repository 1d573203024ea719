using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace DocTable.Orleans.Client.Tools;

/// <summary>
/// A private redis-server for the benchmark's cluster scenario and the cluster tests: on loopback on an
/// explicit free port (<see cref="FreePorts"/>), over a directory of its own —
/// <c>redis-server --port P --bind 127.0.0.1 --save "" --appendonly no|yes --appendfsync always --dir DIR</c>
/// — and ready once it answers PING. With <c>persistent</c> it keeps an append-only file, so a restart
/// in place (<see cref="StopAsync"/>, then <see cref="StartAgainAsync"/>: same port and directory) keeps
/// the cluster's membership and table catalog. Disposing kills the server; it deletes the directory
/// when <see cref="StartAsync(string?, bool, CancellationToken)"/> created it.
/// </summary>
public sealed class PrivateRedis : IAsyncDisposable
{
    private static readonly TimeSpan Ready = TimeSpan.FromSeconds(30);
    private readonly bool _persistent;
    private readonly bool _ownsDirectory;
    private OsProcess? _server;

    private PrivateRedis(string directory, bool ownsDirectory, bool persistent)
    {
        Directory = directory;
        _ownsDirectory = ownsDirectory;
        _persistent = persistent;
        Port = FreePorts.Next();
    }

    /// <summary>The redis-server found on the PATH, or null when it is not installed.</summary>
    public static string? ServerPath { get; } = OsProcess.FindOnPath("redis-server");

    /// <summary>True when redis-server is installed (on the PATH).</summary>
    public static bool IsInstalled => ServerPath is not null;

    /// <summary>The port it listens on (the same after a restart).</summary>
    public int Port { get; }

    /// <summary>Its working directory (append-only file, logs).</summary>
    public string Directory { get; }

    /// <summary>The running server process, if it runs (after a restart, the new one).</summary>
    public OsProcess? Server => _server;

    /// <summary>The address of a cluster with id <paramref name="clusterId"/> on this server, <c>redis://127.0.0.1:P/ID</c>.</summary>
    public string ClusterAddress(string clusterId) => $"redis://127.0.0.1:{Port}/{clusterId}";

    /// <summary>
    /// Starts a server over <paramref name="directory"/> (created if missing; a new temporary directory,
    /// deleted on disposal, when null), with an append-only file when <paramref name="persistent"/>, and
    /// waits until it answers PING.
    /// </summary>
    public static async Task<PrivateRedis> StartAsync(string? directory = null, bool persistent = false, CancellationToken cancellationToken = default)
    {
        if (!IsInstalled) throw new InvalidOperationException("redis-server is not on the PATH: apt-get install -y redis-server.");
        var redis = directory is null
            ? new PrivateRedis(System.IO.Directory.CreateTempSubdirectory("doctable-redis-").FullName, ownsDirectory: true, persistent)
            : new PrivateRedis(System.IO.Directory.CreateDirectory(directory).FullName, ownsDirectory: false, persistent);
        try
        {
            await redis.StartAgainAsync(cancellationToken);
            return redis;
        }
        catch
        {
            await redis.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server (again) on <see cref="Port"/> over <see cref="Directory"/> and waits until it answers PING.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        if (_server is { HasExited: false }) throw new InvalidOperationException("redis-server already runs.");
        if (_server is not null) await _server.DisposeAsync();
        _server = OsProcess.Start($"redis:{Port}", ServerPath ?? "redis-server",
            ["--port", $"{Port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", _persistent ? "yes" : "no", "--appendfsync", "always", "--dir", Directory]);
        var deadline = DateTime.UtcNow + Ready;
        while (!await PingAsync(Port, cancellationToken))
        {
            if (_server.HasExited) throw new InvalidOperationException($"redis-server on port {Port} ended with exit code {_server.ExitCode}:\n{_server.Tail(20)}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"redis-server on port {Port} did not answer PING within {Ready}:\n{_server.Tail(20)}");
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Stops the server with SIGTERM (it writes its append-only file and exits) and waits until it is gone; fails unless it exits with code 0.</summary>
    public async Task StopAsync()
    {
        if (_server is null || _server.HasExited) return;
        _server.Terminate();
        var code = await _server.WaitForExitAsync(TimeSpan.FromSeconds(30));
        if (code != 0) throw new InvalidOperationException($"redis-server on port {Port} exited with code {code}:\n{_server.Tail(20)}");
    }

    /// <summary>
    /// True when a Redis on loopback port <paramref name="port"/> answers PING with PONG (what
    /// <c>redis-cli -p PORT ping</c> checks), within 5 seconds; false when nothing listens there.
    /// </summary>
    public static async Task<bool> PingAsync(int port, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(5));
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            await socket.SendAsync("PING\r\n"u8.ToArray(), timeout.Token);
            var buffer = new byte[7];
            var read = 0;
            while (read < buffer.Length && await socket.ReceiveAsync(buffer.AsMemory(read), timeout.Token) is var n and > 0) read += n;
            return buffer.AsSpan(0, read).SequenceEqual("+PONG\r\n"u8);
        }
        catch (SocketException)
        {
            return false;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    /// <summary>Every field and value of hash <paramref name="key"/> (e.g. a cluster's table catalog).</summary>
    public async Task<Dictionary<string, string>> HashAsync(string key)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port}");
        var entries = await redis.GetDatabase().HashGetAllAsync(key);
        return entries.ToDictionary(e => e.Name.ToString(), e => e.Value.ToString());
    }

    /// <summary>Sets fields of hash <paramref name="key"/> (e.g. entries of a cluster's table catalog), overwriting any there.</summary>
    public async Task SetHashAsync(string key, IReadOnlyDictionary<string, string> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        await using var redis = await ConnectionMultiplexer.ConnectAsync($"127.0.0.1:{Port}");
        await redis.GetDatabase().HashSetAsync(key, [.. entries.Select(e => new HashEntry(e.Key, e.Value))]);
    }

    /// <summary>Kills the server if it runs; deletes the directory when this class created it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
        if (!_ownsDirectory) return;
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
    }
}
