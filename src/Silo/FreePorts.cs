using System.Net;
using System.Net.Sockets;

namespace DocTable.Orleans;

/// <summary>
/// Free TCP ports on loopback, for silos started on one machine (never Orleans' defaults, which
/// collide). A port is free when asked; another process may still take it before the caller binds
/// it, so callers that can retry with another port do.
/// </summary>
public static class FreePorts
{
    /// <summary>A port nothing listens on right now.</summary>
    public static int Next()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
