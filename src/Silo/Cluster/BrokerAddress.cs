using System.Net;

namespace DocTable.Orleans.Silo.Cluster;

/// <summary>Builds the broker URI from a URI and optional user/password settings.</summary>
public static class BrokerAddress
{
    /// <summary>
    /// The URI to connect with: <paramref name="user"/>/<paramref name="password"/> replace the URI's
    /// credentials when given. Without any credentials the guest account is only used on loopback;
    /// anywhere else this throws, saying how to pass credentials.
    /// </summary>
    public static Uri Resolve(string uri, string? user = null, string? password = null)
    {
        if (string.IsNullOrWhiteSpace(uri))
            throw new ArgumentException("No broker URI is configured: pass --broker amqp://user:pass@host:5672/ or set DOCTABLE__BROKER.");
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed) || parsed.Scheme is not ("amqp" or "amqps"))
            throw new ArgumentException($"'{uri}' is not a broker URI; expected amqp://user:pass@host:5672/ (or amqps://).");
        var builder = new UriBuilder(parsed);
        if (!string.IsNullOrEmpty(user)) builder.UserName = Uri.EscapeDataString(user);
        if (!string.IsNullOrEmpty(password)) builder.Password = Uri.EscapeDataString(password);
        if (string.IsNullOrEmpty(builder.UserName) && !IsLoopback(parsed.Host))
            throw new ArgumentException($"No credentials for broker {parsed.Host}: the guest account only works on loopback. Put user:pass in the URI or set DOCTABLE__USER and DOCTABLE__PASSWORD.");
        return builder.Uri;
    }

    private static bool IsLoopback(string host)
        => host is "localhost" || (IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip));
}
