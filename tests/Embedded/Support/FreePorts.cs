using System.Net;
using System.Net.Sockets;

namespace DocTable.Orleans.Tests.Embedded.Support;

/// <summary>Free TCP ports on loopback, for silos a test starts itself (never Orleans' defaults, which collide).</summary>
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
