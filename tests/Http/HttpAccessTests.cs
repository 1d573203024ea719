using System.Net;
using System.Net.Http.Headers;
using DocTable.Orleans.Client.Tools;
using DocTable.Orleans.Tests.Embedded.Support;
using DocTable.Orleans.Tests.Http.Support;
using Microsoft.Extensions.Configuration;
using Xunit;

namespace DocTable.Orleans.Tests.Http;

/// <summary>
/// Who may call: the endpoint is on loopback by default; any other address needs a bearer token and a
/// silo refuses to start without one; with a token, requests without it (or with another) get 401.
/// </summary>
[Collection(HttpCollection.Name)]
public sealed class HttpAccessTests
{
    private static SiloSettings Settings(params string[] args)
    {
        var configuration = new ConfigurationBuilder().AddCommandLine(args, SiloSettings.Switches.ToDictionary()).Build();
        return SiloSettings.From(configuration);
    }

    [Fact]
    public void TheEndpointIsOnLoopbackByDefault_AndAnyOtherAddressNeedsAToken()
    {
        Assert.Equal("127.0.0.1:0", Settings().Http);
        Assert.Null(Settings().HttpToken);
        foreach (var loopback in new[] { "127.0.0.1:8080", "localhost:8080", "[::1]:8080", "127.0.0.2:0" })
            Assert.Equal(loopback, Settings("--http", loopback).Http);
        foreach (var open in new[] { "0.0.0.0:8080", "*:8080", "+:8080", "192.0.2.10:8080", "example.com:8080", "[::]:8080" })
        {
            var error = Assert.Throws<ArgumentException>(() => Settings("--http", open));
            Assert.Contains("--http-token", error.Message);
            Assert.Contains(open, error.Message);
            Assert.Equal("s3cret", Settings("--http", open, "--http-token", "s3cret").HttpToken);
        }
        Assert.Equal(64L << 20, Settings().HttpMaxBody);
        Assert.Contains("--http-max-body", Assert.Throws<ArgumentException>(() => Settings("--http-max-body", "10")).Message);
        Assert.Contains("--http-max-body", Assert.Throws<ArgumentException>(() => Settings("--http-max-body", "4294967296")).Message);
        Assert.Equal("127.0.0.1:9090", Settings("--http", "127.0.0.1:8080", "--dashboard", "127.0.0.1:9090").Dashboard);
        foreach (var (http, dashboard) in new[] { ("127.0.0.1:8080", "127.0.0.1:8080"), ("127.0.0.1:8080", "127.0.0.1:0") })
            Assert.Contains("needs a port of its own", Assert.Throws<ArgumentException>(() => Settings("--http", http, "--dashboard", dashboard)).Message);
    }

    [Fact]
    public async Task ServeOnAPublicAddressWithoutAToken_RefusesToStart_SayingWhy()
    {
        var data = Directory.CreateTempSubdirectory("doctable-http-open-").FullName;
        try
        {
            var run = await DoctableCli.RunAsync(["serve", "--data", data, "--http", "0.0.0.0:0"], TimeSpan.FromMinutes(1),
                new Dictionary<string, string?> { ["DOCTABLE__HTTPTOKEN"] = null });
            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Contains("not a loopback address", run.Error);
            Assert.Contains("--http-token", run.Error);
            Assert.DoesNotContain("Now listening", run.Output);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task WithAToken_RequestsWithoutItGet401_AndWithItGetThrough()
    {
        // The token comes from the environment here (DOCTABLE__HTTPTOKEN); --http-token sets the same setting.
        var silo = new HttpSilo { Options = [], Dashboard = true, Environment = new Dictionary<string, string> { ["DOCTABLE__HTTPTOKEN"] = "s3cret-token" } };
        await silo.InitializeAsync();
        try
        {
            foreach (var (method, path) in new[] { (HttpMethod.Get, "/tables"), (HttpMethod.Put, "/tables/guarded"), (HttpMethod.Post, "/tables/guarded/rows"), (HttpMethod.Get, "/metrics"), (HttpMethod.Delete, "/tables/guarded/rows?all=true") })
            {
                using var anonymous = await silo.Http.SendAsync(new HttpRequestMessage(method, path) { Content = method == HttpMethod.Get ? null : HttpSilo.Json("{}") });
                Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
                Assert.Contains("\"error\":\"Unauthorized\"", await anonymous.Content.ReadAsStringAsync());
                Assert.Equal("Bearer", anonymous.Headers.WwwAuthenticate.ToString());
            }
            using (var wrong = new HttpRequestMessage(HttpMethod.Get, "/tables"))
            {
                wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-it");
                using var answer = await silo.Http.SendAsync(wrong);
                Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
            }
            using (var health = await silo.Http.GetAsync("/health"))
                Assert.Equal(HttpStatusCode.OK, health.StatusCode);   // probes need no token

            // The endpoint is told by the connection's port, not by the Host header a client writes:
            // naming the dashboard's port in Host neither opens the dashboard on the API's port nor skips the token.
            foreach (var path in new[] { "/GrainTypes", "/tables" })
            {
                using var spoofed = new HttpRequestMessage(HttpMethod.Get, path);
                spoofed.Headers.Host = $"127.0.0.1:{silo.DashboardPort}";
                using var answer = await silo.Http.SendAsync(spoofed);
                Assert.Equal(path == "/tables" ? HttpStatusCode.Unauthorized : HttpStatusCode.NotFound, answer.StatusCode);
            }
            // No table API or metrics on the dashboard's port, however the path is spelled (routing ignores case).
            foreach (var path in new[] { "/tables", "/TABLES", "/Tables/guarded", "/tables/", "/METRICS", "/Health" })
                Assert.Equal((path, HttpStatusCode.NotFound), (path, (await SiloProcess.GetStatusAsync(silo.DashboardPort!.Value, path))!.Value));
            foreach (var path in new[] { "/TABLES", "/Metrics" })
                Assert.Equal((path, HttpStatusCode.Unauthorized), (path, (await SiloProcess.GetStatusAsync(new Uri(silo.Url).Port, path))!.Value));
            // A method a route does not take: the API's answer (401 without the token, then 405) on its
            // port, 404 on the dashboard's, which does not show the API's routes.
            foreach (var (port, expected) in new[] { (new Uri(silo.Url).Port, HttpStatusCode.Unauthorized), (silo.DashboardPort!.Value, HttpStatusCode.NotFound) })
            {
                using var post = await SiloProcess.Http.PostAsync($"http://127.0.0.1:{port}/tables/guarded", HttpSilo.Json("{}"));
                Assert.Equal(expected, post.StatusCode);
                Assert.False(post.Content.Headers.Allow.Count > 0, $"Allow: {post.Content.Headers.Allow}");
            }
            using (var wrongMethod = new HttpRequestMessage(HttpMethod.Post, "/tables/guarded") { Content = HttpSilo.Json("{}") })
            {
                wrongMethod.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-token");
                using var answer = await silo.Http.SendAsync(wrongMethod);
                Assert.Equal(HttpStatusCode.MethodNotAllowed, answer.StatusCode);
            }
            using (var grainTypes = await SiloProcess.Http.GetAsync($"http://127.0.0.1:{silo.DashboardPort}/GrainTypes"))
                Assert.Equal(HttpStatusCode.OK, grainTypes.StatusCode);

            silo.Http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-token");
            await silo.CreateAsync("guarded", "{\"columns\": {\"process\": \"text\", \"number\": \"int\"}}");
            using (var tables = await silo.Http.GetAsync("/tables"))
                Assert.Equal("{\"tables\":[\"guarded\"]}", await tables.Content.ReadAsStringAsync());

            // The Python client sends the token from DOCTABLE_TOKEN.
            var run = await Python.RunAsync(Python.TestScript("queue_fleet.py"), [silo.Url, "guarded_py", "2", "100", "30"], TimeSpan.FromMinutes(2),
                new Dictionary<string, string> { ["DOCTABLE_TOKEN"] = "s3cret-token" });
            Assert.True(run.ExitCode == 0, run.ToString());
            Assert.Equal(200, await silo.CountAsync("guarded_py"));
            var refused = await Python.RunAsync(Python.TestScript("queue_fleet.py"), [silo.Url, "guarded_py", "1", "10", "5"], TimeSpan.FromMinutes(2));
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains("Unauthorized (401)", refused.Error);
            Assert.Equal(200, await silo.CountAsync("guarded_py"));
        }
        finally
        {
            await silo.DisposeAsync();
        }
    }
}
