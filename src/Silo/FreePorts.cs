using System.Net;
using System.Net.Sockets;

namespace DocTable.Orleans;

/// <summary>
/// Explicit ports for silos, gateways, Redis and web endpoints started on one machine (never Orleans'
/// defaults, which collide): random ports in 20000–32000, below Linux's ephemeral range (so an outgoing
/// connection never takes one between the check and the bind), checked free on every address, and
/// never handed out twice in one process. Another process may still take one before the caller binds
/// it; callers that can retry with another port do.
/// </summary>
public static class FreePorts
{
    private const int Low = 20_000, High = 32_000;
    private static readonly HashSet<int> Given = [];

    /// <summary>A port nothing listens on now and that this process has not handed out before.</summary>
    public static int Next()
    {
        lock (Given)
        {
            for (var attempt = 0; attempt < 1000; attempt++)
            {
                var port = Random.Shared.Next(Low, High);
                if (Given.Contains(port) || !IsFree(port)) continue;
                Given.Add(port);
                return port;
            }
        }
        throw new InvalidOperationException($"No free port found in {Low}-{High}.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var any = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            any.Bind(new IPEndPoint(IPAddress.Any, port));
            using var loopback = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            any.Close();
            loopback.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
