using System.Net;
using System.Text.Json;
using DocTable.Orleans.Tests.Http.Support;
using Xunit;

namespace DocTable.Orleans.Tests.Http;

/// <summary>
/// The routes of docs/HTTP.md against a real silo process: schemas in and out, batches in NDJSON and
/// CSV with every column type, exactly-once batches, selects streamed in pages (in table order and
/// sorted, across page boundaries), head, count, aggregates, and the Prometheus metrics.
/// </summary>
[Collection(HttpCollection.Name)]
public sealed class HttpApiTests(HttpSilo silo)
{
    private static string Numbers(int from, int count, string process = "p")
        => string.Concat(Enumerable.Range(from, count).Select(n => $"{{\"process\":\"{process}\",\"number\":{n}}}\n"));

    private async Task<JsonElement> InsertAsync(string table, string body, string query = "", string contentType = "application/x-ndjson")
    {
        using var response = await silo.PostAsync($"/tables/{table}/rows{query}", body, contentType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task SchemasGoInAsShorthandOrExportForm_AndComeOutCanonical()
    {
        await silo.CreateAsync("schema_short", "{\"columns\": {\"id\": \"id\", \"updated\": \"added\", \"process\": \"text\", \"number\": {\"type\": \"int\", \"nullable\": false, \"default\": 7}}}");
        using var stored = await silo.GetJsonAsync("/tables/schema_short");
        var columns = stored.RootElement.GetProperty("schema").GetProperty("columns").EnumerateArray().ToArray();
        Assert.Equal(["id", "updated", "process", "number"], columns.Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(["Int64", "DateTime", "Text", "Int64"], columns.Select(c => c.GetProperty("type").GetString()));
        Assert.Equal(["Id", "Added", "Regular", "Regular"], columns.Select(c => c.GetProperty("role").GetString()));
        Assert.Equal("7", columns[3].GetProperty("defaultSql").GetString());

        // The canonical form (and the PascalCase file `doctable export` writes) is taken back as it is.
        var canonical = stored.RootElement.GetProperty("schema").GetRawText();
        await silo.CreateAsync("schema_copy", canonical);
        await silo.CreateAsync("schema_export", """
            {"Columns":[{"Name":"id","Type":"Int64","Role":"Id","Nullable":false},{"Name":"n","Type":"Int32","Role":"Regular","Nullable":true,"Unique":true}],
             "Constraints":[{"Kind":"Check","Name":"n_small","Columns":[],"Expression":"n < 100"}]}
            """);
        using var copy = await silo.GetJsonAsync("/tables/schema_copy");
        Assert.Equal(canonical, copy.RootElement.GetProperty("schema").GetRawText());
        using (var response = await silo.PostAsync("/tables/schema_export/rows", "{\"n\": 500}\n"))
            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);   // the CHECK constraint came along

        // A row leaving out a defaulted NOT NULL column takes its default.
        await InsertAsync("schema_short", "{\"process\": \"a\"}\n{\"process\": \"b\", \"number\": 1}\n");
        await InsertAsync("schema_short", "{}\n");   // every column left out: every default
        var rows = await silo.GetLinesAsync("/tables/schema_short/rows?columns=process,number");
        Assert.Equal([7L, 1L, 7L], rows.Select(r => r.GetProperty("number").GetInt64()));
        Assert.Equal(JsonValueKind.Null, rows[2].GetProperty("process").ValueKind);

        using var tables = await silo.GetJsonAsync("/tables");
        var names = tables.RootElement.GetProperty("tables").EnumerateArray().Select(t => t.GetString()).ToArray();
        Assert.Contains("schema_short", names);
        Assert.Contains("schema_export", names);
    }

    [Fact]
    public async Task EveryColumnType_RoundTripsThroughNdjsonAndCsv()
    {
        await silo.CreateAsync("typed", "{\"columns\": {\"id\": \"id\", \"i\": \"int32\", \"b\": \"bool\", \"r\": \"real\", \"t\": \"text\", \"d\": \"datetime\", \"bl\": \"blob\", \"j\": \"json\"}}");
        var result = await InsertAsync("typed", """
            {"i": 1, "b": true, "r": 1.5, "t": "héllo \"quoted\"\nline", "d": "2024-05-01T12:00:00", "bl": "AAEC", "j": {"a": [1, 2], "b": null}}
            {"i": null, "b": false, "r": "Infinity", "t": "", "d": "2024-05-01 12:00:00.250000", "bl": null, "j": "just text"}
            """);
        Assert.Equal([1L, 2L], result.GetProperty("ids").EnumerateArray().Select(e => e.GetInt64()));
        await InsertAsync("typed", "i,b,r,t,d,bl,j\n3,true,2.25,\"a,b\",2024-05-02T00:00:00Z,AAEC,\"{\"\"k\"\":1}\"\n,0,,\"\",,,\n", contentType: "text/csv");

        var rows = await silo.GetLinesAsync("/tables/typed/rows");
        Assert.Equal(4, rows.Count);
        Assert.Equal(1, rows[0].GetProperty("i").GetInt64());
        Assert.True(rows[0].GetProperty("b").GetBoolean());
        Assert.Equal(1.5, rows[0].GetProperty("r").GetDouble());
        Assert.Equal("héllo \"quoted\"\nline", rows[0].GetProperty("t").GetString());
        Assert.Equal("2024-05-01 12:00:00.000000", rows[0].GetProperty("d").GetString());
        Assert.Equal("AAEC", rows[0].GetProperty("bl").GetString());
        Assert.Equal(JsonValueKind.Object, rows[0].GetProperty("j").ValueKind);
        Assert.Equal([1, 2], rows[0].GetProperty("j").GetProperty("a").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(JsonValueKind.Null, rows[1].GetProperty("i").ValueKind);
        Assert.False(rows[1].GetProperty("b").GetBoolean());
        Assert.Equal("Infinity", rows[1].GetProperty("r").GetString());
        Assert.Equal("", rows[1].GetProperty("t").GetString());
        Assert.Equal("2024-05-01 12:00:00.250000", rows[1].GetProperty("d").GetString());
        Assert.Equal("just text", rows[1].GetProperty("j").GetString());
        Assert.Equal("a,b", rows[2].GetProperty("t").GetString());
        Assert.Equal("2024-05-02 00:00:00.000000", rows[2].GetProperty("d").GetString());
        Assert.Equal(1, rows[2].GetProperty("j").GetProperty("k").GetInt32());
        Assert.Equal(JsonValueKind.Null, rows[3].GetProperty("r").ValueKind);   // empty unquoted CSV field: NULL
        Assert.Equal("", rows[3].GetProperty("t").GetString());                   // empty quoted field: empty text
    }

    [Fact]
    public async Task AProducersBatches_AreStoredOnceEach_InAnyOrder()
    {
        await silo.CreateAsync("once", "{\"columns\": {\"process\": \"text\", \"number\": \"int\"}}");
        var first = await InsertAsync("once", Numbers(0, 100), "?producer=writer-1&sequence=1");
        Assert.False(first.GetProperty("duplicate").GetBoolean());
        Assert.Equal(100, first.GetProperty("inserted").GetInt64());
        // Batch 3 overtakes batch 2; a retry of 1 and of 3 is recognised; 2 still goes in.
        await InsertAsync("once", Numbers(200, 100), "?producer=writer-1&sequence=3");
        var retry1 = await InsertAsync("once", Numbers(0, 100), "?producer=writer-1&sequence=1");
        var retry3 = await InsertAsync("once", Numbers(200, 100), "?producer=writer-1&sequence=3");
        Assert.Equal((true, 0L), (retry1.GetProperty("duplicate").GetBoolean(), retry1.GetProperty("inserted").GetInt64()));
        Assert.True(retry3.GetProperty("duplicate").GetBoolean());
        var second = await InsertAsync("once", Numbers(100, 100), "?producer=writer-1&sequence=2");
        Assert.False(second.GetProperty("duplicate").GetBoolean());
        // Another producer's sequence 1 is its own.
        Assert.False((await InsertAsync("once", Numbers(300, 10), "?producer=writer-2&sequence=1")).GetProperty("duplicate").GetBoolean());

        Assert.Equal(310, await silo.CountAsync("once"));
        var distinct = await silo.GetLinesAsync("/tables/once/aggregate?select=count_distinct(number),min(number),max(number)");
        Assert.Equal(310, distinct[0].GetProperty("count_distinct_number").GetInt64());
    }

    [Fact]
    public async Task Selects_StreamInPages_InTableOrderAndSorted_WithLimitAndOffset()
    {
        await silo.CreateAsync("paged", "{\"columns\": {\"id\": \"id\", \"process\": \"text\", \"number\": \"int\"}}");
        const int Rows = 12_000;   // more than one page of either kind (1000 keyset, 5000 sorted)
        for (var from = 0; from < Rows; from += 1000) await InsertAsync("paged", Numbers(from, 1000, from % 2000 == 0 ? "even" : "odd"));

        var all = await silo.GetLinesAsync("/tables/paged/rows?columns=number");
        Assert.Equal(Enumerable.Range(0, Rows), all.Select(r => r.GetProperty("number").GetInt32()));

        var window = await silo.GetLinesAsync("/tables/paged/rows?columns=number&offset=1500&limit=2500");
        Assert.Equal(Enumerable.Range(1500, 2500), window.Select(r => r.GetProperty("number").GetInt32()));

        var sorted = await silo.GetLinesAsync("/tables/paged/rows?order_by=" + Uri.EscapeDataString("number desc") + "&offset=100&limit=7000");
        Assert.Equal(Enumerable.Range(0, 7000).Select(i => Rows - 1 - 100 - i), sorted.Select(r => r.GetProperty("number").GetInt32()));

        var filtered = await silo.GetLinesAsync("/tables/paged/rows?where=" + Uri.EscapeDataString("process = 'odd' and number < 3500") + "&order_by=" + Uri.EscapeDataString("process, number desc"));
        Assert.Equal(Enumerable.Range(1000, 1000).Concat(Enumerable.Range(3000, 500)).OrderDescending(), filtered.Select(r => r.GetProperty("number").GetInt32()));

        var head = await silo.GetLinesAsync("/tables/paged/head?n=3");
        Assert.Equal([1L, 2L, 3L], head.Select(r => r.GetProperty("id").GetInt64()));
        Assert.Empty(await silo.GetLinesAsync("/tables/paged/rows?limit=0"));
        Assert.Equal(6000, await silo.CountAsync("paged", "process = 'even'"));

        var groups = await silo.GetLinesAsync("/tables/paged/aggregate?select=count,sum(number),avg(number)&group_by=process");
        Assert.Equal(["even", "odd"], groups.Select(g => g.GetProperty("process").GetString()));
        Assert.Equal(Rows, groups.Sum(g => g.GetProperty("count").GetInt64()));
        Assert.Equal((long)Rows * (Rows - 1) / 2, groups.Sum(g => g.GetProperty("sum_number").GetInt64()));
    }

    [Fact]
    public async Task Metrics_ArePrometheusText_PerTable()
    {
        await silo.CreateAsync("metered", "{\"columns\": {\"process\": \"text\", \"number\": \"int\"}}");
        await InsertAsync("metered", Numbers(0, 1234));
        using var response = await silo.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.ToString());
        var text = await response.Content.ReadAsStringAsync();
        var lines = text.Split('\n');
        long Value(string prefix) => long.Parse(lines.Single(l => l.StartsWith(prefix, StringComparison.Ordinal) && l.Contains("table=\"metered\"", StringComparison.Ordinal)).Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(1234, Value("doctable_rows_inserted_total{"));
        Assert.True(Value("doctable_commits_total{") >= 1);
        Assert.True(Value("doctable_commit_duration_seconds_count{") >= 1);
        Assert.Contains(lines, l => l.StartsWith("doctable_commit_duration_seconds_bucket{", StringComparison.Ordinal) && l.Contains("table=\"metered\"", StringComparison.Ordinal) && l.Contains("le=\"0.01\"", StringComparison.Ordinal));
        Assert.Equal(0, Value("doctable_pending_rows{"));
        Assert.Contains("# TYPE doctable_commit_duration_seconds histogram", text);
    }

    [Fact]
    public async Task Health_AnswersWithTheSilo()
    {
        using var health = await silo.GetJsonAsync("/health");
        Assert.Equal("ok", health.RootElement.GetProperty("status").GetString());
        using var stats = await silo.Http.GetAsync("/tables/no_such_table/stats");
        Assert.Equal(HttpStatusCode.NotFound, stats.StatusCode);
    }
}
