using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace DocTable.Orleans.Client.Tools;

/// <summary>
/// A private redis-server for the benchmark's cluster scenario and the cluster tests: loopback, a free
/// port, a temp folder of its own. Append-only persistence when asked, so that a restart in place
/// (<see cref="StopAsync"/> then <see cref="StartAgainAsync"/>, same port and folder) keeps membership
/// and the table catalog. Disposing stops the server it started (by its pid) and removes the folder.
/// </summary>
public sealed class PrivateRedis : IAsyncDisposable
{
    /// <summary>Where Debian's redis-server package puts the server.</summary>
    public const string ServerPath = "/usr/bin/redis-server";

    private readonly bool _appendOnly;
    private Process? _server;

    private PrivateRedis(string directory, int port, bool appendOnly)
    {
        Directory = directory;
        Port = port;
        _appendOnly = appendOnly;
    }

    /// <summary>The server's folder.</summary>
    public string Directory { get; }

    /// <summary>Its port on loopback.</summary>
    public int Port { get; }

    /// <summary>The running server's pid, or 0.</summary>
    public int Pid => _server is { HasExited: false } s ? s.Id : 0;

    /// <summary>The address of a cluster with id <paramref name="clusterId"/> on this server.</summary>
    public string ClusterUri(string clusterId) => $"redis://127.0.0.1:{Port}/{clusterId}";

    /// <summary>True when redis-server is installed.</summary>
    public static bool IsInstalled => File.Exists(ServerPath);

    /// <summary>Starts a server on a free port and waits until it answers.</summary>
    public static async Task<PrivateRedis> StartAsync(bool appendOnly = false, CancellationToken cancellationToken = default)
    {
        if (!IsInstalled) throw new InvalidOperationException($"{ServerPath} is missing: apt-get install -y redis-server.");
        var redis = new PrivateRedis(System.IO.Directory.CreateTempSubdirectory("doctable-redis-").FullName, FreePorts.Next(), appendOnly);
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

    /// <summary>Starts the server again in place (same port and folder) and waits until it answers.</summary>
    public async Task StartAgainAsync(CancellationToken cancellationToken = default)
    {
        var info = new ProcessStartInfo(ServerPath) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "--port", Port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "",
                     "--appendonly", _appendOnly ? "yes" : "no", "--appendfsync", "always", "--dir", Directory })
            info.ArgumentList.Add(a);
        _server = Process.Start(info) ?? throw new InvalidOperationException("Could not start redis-server.");
        _server.OutputDataReceived += (_, _) => { };
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await AnswersAsync(cancellationToken))
        {
            if (_server.HasExited || DateTime.UtcNow > deadline)
                throw new InvalidOperationException($"redis-server on port {Port} did not come up (exit code {(_server.HasExited ? _server.ExitCode : "none yet")}).");
            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>Stops the server gracefully (SIGTERM; with append-only persistence it keeps its data) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_server is not { HasExited: false } server) return;
        using (var term = Process.Start("kill", ["-TERM", server.Id.ToString(CultureInfo.InvariantCulture)])!) await term.WaitForExitAsync();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await server.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            server.Kill();
            await server.WaitForExitAsync();
        }
    }

    private async Task<bool> AnswersAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await socket.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
            await socket.SendAsync("PING\r\n"u8.ToArray(), cancellationToken);
            var buffer = new byte[16];
            var read = await socket.ReceiveAsync(buffer, cancellationToken);
            return read >= 5 && buffer.AsSpan(0, 5).SequenceEqual("+PONG"u8);
        }
        catch (SocketException)
        {
            return false;
        }
    }


    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _server?.Dispose();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
