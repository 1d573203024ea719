using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using DocTable.Orleans.Client.Tools;
using Xunit;

namespace DocTable.Orleans.Tests.Http.Support;

/// <summary>
/// A real silo process alone on this machine (as <c>doctable serve</c> runs one) over a temporary data
/// directory, its HTTP endpoint on loopback on a free port, and an <see cref="HttpClient"/> for it.
/// Shared by the tests of the <see cref="HttpCollection"/>, each on tables of its own.
/// </summary>
public sealed class HttpSilo : IAsyncLifetime
{
    /// <summary>The request body bound the shared silo runs with (small, so 413 is cheap to provoke).</summary>
    public const long MaxBody = 1 << 20;

    private SiloProcess? _silo;

    /// <summary>The data directory.</summary>
    public string Data { get; } = Directory.CreateTempSubdirectory("doctable-http-").FullName;

    /// <summary>The silo's HTTP endpoint, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string Url => _silo?.HttpUrl ?? throw new InvalidOperationException("The silo has not started.");

    /// <summary>A client of <see cref="Url"/>.</summary>
    public HttpClient Http { get; private set; } = new();

    /// <summary>Extra silo options (the token tests start their own).</summary>
    public IEnumerable<string> Options { get; init; } = ["--http-max-body", MaxBody.ToString(System.Globalization.CultureInfo.InvariantCulture)];

    /// <summary>Extra environment of the silo process.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    /// <summary>Serve the Orleans Dashboard too, on a port of its own.</summary>
    public bool Dashboard { get; init; }

    /// <summary>The dashboard's port, when started with one.</summary>
    public int? DashboardPort => _silo?.DashboardPort;

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        _silo = await SiloProcess.StartAsync(new SiloProcessOptions(Data) { Name = "http silo", Extra = [.. Options], Environment = Environment, Dashboard = Dashboard });
        Assert.NotNull(_silo.HttpUrl);
        Http = new HttpClient { BaseAddress = new Uri(Url), Timeout = TimeSpan.FromMinutes(2) };
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_silo is not null) await _silo.DisposeAsync();
        try { Directory.Delete(Data, recursive: true); } catch (IOException) { }
    }

    /// <summary>The last lines the silo printed, for failure messages.</summary>
    public string Tail => _silo?.Process.Tail(30) ?? "";

    /// <summary>Creates <paramref name="table"/> from <paramref name="schemaJson"/>; asserts 200.</summary>
    public async Task CreateAsync(string table, string schemaJson)
    {
        using var response = await Http.PutAsync($"/tables/{table}", Json(schemaJson));
        Assert.True(response.IsSuccessStatusCode, $"PUT /tables/{table}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>Posts <paramref name="body"/> to <paramref name="path"/> with <paramref name="contentType"/>.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, string body, string contentType = "application/x-ndjson")
        => Http.PostAsync(path, new StringContent(body, Encoding.UTF8, new MediaTypeHeaderValue(contentType)));

    /// <summary>The table's row count, through the API.</summary>
    public async Task<long> CountAsync(string table, string? where = null)
    {
        using var document = await GetJsonAsync($"/tables/{table}/count{(where is null ? "" : "?where=" + Uri.EscapeDataString(where))}");
        return document.RootElement.GetProperty("count").GetInt64();
    }

    /// <summary>GETs <paramref name="path"/>, asserts 200 and parses the JSON answer.</summary>
    public async Task<JsonDocument> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text);
    }

    /// <summary>GETs <paramref name="path"/> (an NDJSON route), asserts 200 and returns one parsed object per line.</summary>
    public async Task<List<JsonElement>> GetLinesAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        Assert.StartsWith("application/x-ndjson", response.Content.Headers.ContentType?.ToString());
        return text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonDocument.Parse(line).RootElement.Clone()).ToList();
    }

    /// <summary>JSON content.</summary>
    public static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");
}

/// <summary>The HTTP tests share one silo process and run one after another (they start real processes on 2 cores).</summary>
[CollectionDefinition(Name)]
public sealed class HttpCollection : ICollectionFixture<HttpSilo>
{
    /// <summary>The collection's name.</summary>
    public const string Name = "Http silo";
}
