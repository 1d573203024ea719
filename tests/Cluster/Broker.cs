using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace DocTable.Orleans.Tests.Cluster;

/// <summary>
/// A private RabbitMQ broker for tests, started with scripts/broker.sh on a free port in its own temp
/// directory, stopped by pid (the script) on dispose. Can be stopped and started again in place.
/// </summary>
public sealed class Broker : IAsyncDisposable
{
    private readonly string _script;

    private Broker(string script, string directory, int port)
    {
        _script = script;
        Directory = directory;
        Port = port;
    }

    /// <summary>The broker's state directory.</summary>
    public string Directory { get; }

    /// <summary>AMQP port (loopback).</summary>
    public int Port { get; }

    /// <summary>The AMQP URI.</summary>
    public string Uri => $"amqp://guest:guest@127.0.0.1:{Port}/";

    /// <summary>Starts a broker on a free port.</summary>
    public static async Task<Broker> StartAsync()
    {
        var script = Path.Combine(RepoRoot(), "scripts", "broker.sh");
        var directory = System.IO.Directory.CreateTempSubdirectory("doctable-broker-").FullName;
        var broker = new Broker(script, directory, FreePort());
        await broker.RunScriptAsync("start");
        return broker;
    }

    /// <summary>Starts the broker again after <see cref="StopAsync"/> (same directory and port: durable queues survive).</summary>
    public Task RestartAsync() => RunScriptAsync("start");

    /// <summary>Stops the broker.</summary>
    public Task StopAsync() => RunScriptAsync("stop");

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private async Task RunScriptAsync(string verb)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { _script, verb, Directory, Port.ToString(System.Globalization.CultureInfo.InvariantCulture) }) info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"broker.sh {verb} failed ({process.ExitCode}): {await stdout}{await stderr}");
    }

    /// <summary>A port free for AMQP whose distribution port (+20000) is free too.</summary>
    private static int FreePort()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(10_000, 40_000);
            if (IsFree(port) && IsFree(port + 20_000)) return port;
        }
        throw new InvalidOperationException("No free port found for a test broker.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The repository root (the folder holding scripts/broker.sh).</summary>
    public static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "scripts", "broker.sh"))) return dir.FullName;
        throw new InvalidOperationException("scripts/broker.sh not found above " + AppContext.BaseDirectory);
    }
}
