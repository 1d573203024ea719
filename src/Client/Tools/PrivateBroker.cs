using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace DocTable.Orleans.Client.Tools;

/// <summary>
/// A private RabbitMQ broker for the benchmark's cluster scenario and the cluster tests:
/// <c>scripts/broker.sh start DIR PORT</c> on a free port in a temp folder of its own. It can be
/// stopped and started again in place (same folder and port: durable queues survive); disposing runs
/// <c>broker.sh stop</c> (by the pid file the script keeps) and removes the folder.
/// </summary>
public sealed class PrivateBroker : IAsyncDisposable
{
    /// <summary>Where broker.sh expects the RabbitMQ server (the Debian package's location).</summary>
    public const string ServerPath = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    private readonly string _script;

    private PrivateBroker(string script, string directory, int port)
    {
        _script = script;
        Directory = directory;
        Port = port;
    }

    /// <summary>The broker's state folder.</summary>
    public string Directory { get; }

    /// <summary>AMQP port on loopback.</summary>
    public int Port { get; }

    /// <summary>The AMQP URI (guest on loopback).</summary>
    public string Uri => $"amqp://guest:guest@127.0.0.1:{Port}/";

    /// <summary>The broker's Erlang VM pid (for its CPU time and RSS), or 0 when unknown.</summary>
    public int Pid
    {
        get
        {
            var file = Path.Combine(Directory, $"t{Port}@localhost.pid");
            return File.Exists(file) && int.TryParse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture, out var pid) ? pid : 0;
        }
    }

    /// <summary>scripts/broker.sh of the repository holding this program, or null.</summary>
    public static string? FindScript()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "scripts", "broker.sh"))) return Path.Combine(dir.FullName, "scripts", "broker.sh");
        return null;
    }

    /// <summary>Starts a broker on a free port; stops it again if it fails to come up.</summary>
    public static async Task<PrivateBroker> StartAsync(CancellationToken cancellationToken = default)
    {
        var script = FindScript() ?? throw new InvalidOperationException("scripts/broker.sh not found above " + AppContext.BaseDirectory);
        var broker = new PrivateBroker(script, System.IO.Directory.CreateTempSubdirectory("doctable-broker-").FullName, FreePort());
        try
        {
            await broker.RunScriptAsync("start", cancellationToken);
            return broker;
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the broker again after <see cref="StopAsync"/>.</summary>
    public Task RestartAsync(CancellationToken cancellationToken = default) => RunScriptAsync("start", cancellationToken);

    /// <summary>Stops the broker (it keeps its folder, so <see cref="RestartAsync"/> can bring it back).</summary>
    public Task StopAsync(CancellationToken cancellationToken = default) => RunScriptAsync("stop", cancellationToken);

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await StopAsync(CancellationToken.None);
        }
        finally
        {
            try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    private async Task RunScriptAsync(string verb, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { _script, verb, Directory, Port.ToString(CultureInfo.InvariantCulture) }) info.ArgumentList.Add(a);
        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start bash for broker.sh.");
        var stdout = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var stderr = process.StandardError.ReadToEndAsync(CancellationToken.None);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // The script stops a half-started broker itself on its own timeout; do not leave it running on ours.
            process.Kill(entireProcessTree: true);
            throw;
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"broker.sh {verb} failed (exit code {process.ExitCode}): {await stdout}{await stderr}".Trim());
    }

    /// <summary>A port free for AMQP whose Erlang distribution port (+20000) is free too.</summary>
    private static int FreePort()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(10_000, 40_000);
            if (IsFree(port) && IsFree(port + 20_000)) return port;
        }
        throw new InvalidOperationException("No free loopback port found for a private broker.");
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
}
