using StackExchange.Redis;

namespace DocTable.Orleans;

/// <summary>
/// Where a cluster is: its Redis (membership and the table catalog) and its cluster id, written
/// <c>redis://[user:password@]host:port[/cluster-id]</c> (<c>rediss://</c> for TLS). The cluster id
/// defaults to <c>doctable</c>; clusters that share one Redis keep apart by their ids.
/// </summary>
public sealed record ClusterAddress(string Host, int Port, string ClusterId, string? User, string? Password, bool Tls)
{
    /// <summary>The cluster id when the address names none.</summary>
    public const string DefaultClusterId = "doctable";

    /// <summary>Parses <paramref name="text"/>; throws <see cref="ArgumentException"/> saying what a valid address looks like.</summary>
    public static ClusterAddress Parse(string? text)
    {
        const string Form = "a cluster address is redis://[user:password@]host:port[/cluster-id], e.g. redis://127.0.0.1:6379";
        if (string.IsNullOrWhiteSpace(text) || !Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) || uri.Scheme is not ("redis" or "rediss"))
            throw new ArgumentException($"'{text}' is not a cluster address: {Form}.");
        if (string.IsNullOrEmpty(uri.Host)) throw new ArgumentException($"'{text}' names no host: {Form}.");
        var id = uri.AbsolutePath.Trim('/');
        if (id.Length == 0) id = DefaultClusterId;
        if (id.Contains('/') || !Identifier.IsValid(id.Replace('-', '_')))
            throw new ArgumentException($"'{id}' in '{text}' is not a cluster id: use letters, digits, '-' and '_'.");
        string? user = null, password = null;
        if (uri.UserInfo.Length > 0)
        {
            var parts = uri.UserInfo.Split(':', 2);
            user = parts[0].Length > 0 ? Uri.UnescapeDataString(parts[0]) : null;
            password = parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : null;
        }
        return new ClusterAddress(uri.Host, uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port, id, user, password, uri.Scheme == "rediss");
    }

    /// <summary>StackExchange.Redis settings for this address; a connection gives up after <paramref name="connectTimeout"/>.</summary>
    public ConfigurationOptions RedisOptions(TimeSpan connectTimeout)
    {
        var options = new ConfigurationOptions
        {
            User = User,
            Password = Password,
            Ssl = Tls,
            ConnectTimeout = (int)connectTimeout.TotalMilliseconds,
            AbortOnConnectFail = false,
        };
        options.EndPoints.Add(Host, Port);
        return options;
    }

    /// <summary>The address as written, without the password.</summary>
    public override string ToString()
        => $"{(Tls ? "rediss" : "redis")}://{(User is null && Password is null ? "" : (User ?? "") + (Password is null ? "" : ":***") + "@")}{Host}:{Port}/{ClusterId}";
}
