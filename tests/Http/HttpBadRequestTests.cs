using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using DocTable.Orleans.Tests.Http.Support;
using Xunit;

namespace DocTable.Orleans.Tests.Http;

/// <summary>
/// Every class of bad request gets a 4xx with a JSON error naming the problem (its stable code, and the
/// line of the body where there is one), and changes nothing: after each, the table holds exactly the
/// rows it held before.
/// </summary>
[Collection(HttpCollection.Name)]
public sealed class HttpBadRequestTests(HttpSilo silo)
{
    private const string Schema = """
        {"columns": [
          {"name": "id", "type": "id"},
          {"name": "process", "type": "text"},
          {"name": "number", "type": "int", "nullable": false},
          {"name": "code", "type": "text", "unique": true}
        ]}
        """;

    private async Task<(string Table, string Before)> SeededAsync(string table)
    {
        await silo.CreateAsync(table, Schema);
        using var response = await silo.PostAsync($"/tables/{table}/rows", """
            {"process": "a", "number": 1, "code": "x1"}
            {"process": "b", "number": 2, "code": "x2"}
            {"process": "c", "number": 3, "code": "x3"}
            """);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (table, await RowsAsync(table));
    }

    private async Task<string> RowsAsync(string table)
    {
        using var response = await silo.Http.GetAsync($"/tables/{table}/rows");
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>Asserts the answer's status and error code (and line), and that the table is as it was.</summary>
    private async Task<JsonElement> RefusedAsync(HttpResponseMessage response, HttpStatusCode status, string code, long? line, (string Table, string Before)? unchanged)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status} {code}, got {(int)response.StatusCode}: {text}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.ToString());
        var error = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal(code, error.GetProperty("error").GetString());
        Assert.Equal((int)status, error.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        Assert.Equal(line, error.TryGetProperty("line", out var l) ? l.GetInt64() : null);
        if (unchanged is var (table, before)) Assert.Equal(before, await RowsAsync(table));
        response.Dispose();
        return error;
    }

    [Fact]
    public async Task MalformedNdjson_Is400MalformedMessage_NamingTheLine()
    {
        var seeded = await SeededAsync("bad_ndjson");
        var error = await RefusedAsync(await silo.PostAsync("/tables/bad_ndjson/rows", "{\"process\": \"d\", \"number\": 4, \"code\": \"y1\"}\n\n{\"process\": \"e\", \"number\": 5\n"),
            HttpStatusCode.BadRequest, "MalformedMessage", 3, seeded);
        Assert.StartsWith("Line 3:", error.GetProperty("message").GetString());
        await RefusedAsync(await silo.PostAsync("/tables/bad_ndjson/rows", "[{\"process\": \"d\", \"number\": 4}]"), HttpStatusCode.BadRequest, "MalformedMessage", 1, seeded);
        await RefusedAsync(await silo.PostAsync("/tables/bad_ndjson/rows", "{\"number\": 4, \"code\": \"y2\"} trailing\n"), HttpStatusCode.BadRequest, "MalformedMessage", 1, seeded);
        await RefusedAsync(await silo.PostAsync("/tables/bad_ndjson/rows", "\n  \n"), HttpStatusCode.BadRequest, "MalformedMessage", null, seeded);
    }

    [Fact]
    public async Task MalformedCsv_Is400MalformedMessage_NamingTheLine()
    {
        var seeded = await SeededAsync("bad_csv");
        await RefusedAsync(await silo.PostAsync("/tables/bad_csv/rows", "process,number,code\nd,4,y1\ne,5\n", "text/csv"),
            HttpStatusCode.BadRequest, "MalformedMessage", 3, seeded);
        await RefusedAsync(await silo.PostAsync("/tables/bad_csv/rows", "process,number,code\nd,4,y1\n\"e,5,y2\n", "text/csv"),
            HttpStatusCode.BadRequest, "MalformedMessage", 3, seeded);
        await RefusedAsync(await silo.PostAsync("/tables/bad_csv/rows", "process,number,number\nd,4,5\n", "text/csv"),
            HttpStatusCode.BadRequest, "MalformedMessage", 1, seeded);
    }

    [Fact]
    public async Task WrongTypes_Are400ColumnType_NamingLineAndColumn()
    {
        var seeded = await SeededAsync("bad_types");
        var error = await RefusedAsync(await silo.PostAsync("/tables/bad_types/rows", "{\"number\": 4, \"code\": \"y1\"}\n{\"number\": 4.5, \"code\": \"y2\"}\n"),
            HttpStatusCode.BadRequest, "ColumnType", 2, seeded);
        Assert.Contains("'number'", error.GetProperty("message").GetString());
        await RefusedAsync(await silo.PostAsync("/tables/bad_types/rows", "{\"number\": \"4\", \"code\": \"y1\"}\n"), HttpStatusCode.BadRequest, "ColumnType", 1, seeded);
        await RefusedAsync(await silo.PostAsync("/tables/bad_types/rows", "{\"number\": 4, \"process\": {\"a\": 1}}\n"), HttpStatusCode.BadRequest, "ColumnType", 1, seeded);
        await RefusedAsync(await silo.PostAsync("/tables/bad_types/rows", "process,number,code\nd,4,y1\ne,five,y2\n", "text/csv"),
            HttpStatusCode.BadRequest, "ColumnType", 3, seeded);
    }

    [Fact]
    public async Task UnknownAndManagedColumns_Are400_NamingTheColumn()
    {
        var seeded = await SeededAsync("bad_columns");
        var error = await RefusedAsync(await silo.PostAsync("/tables/bad_columns/rows", "{\"number\": 4, \"code\": \"y1\"}\n{\"number\": 5, \"colour\": \"red\"}\n"),
            HttpStatusCode.BadRequest, "UnknownColumn", 2, seeded);
        Assert.Contains("'colour'", error.GetProperty("message").GetString());
        await RefusedAsync(await silo.PostAsync("/tables/bad_columns/rows", "colour,number\nred,4\n", "text/csv"), HttpStatusCode.BadRequest, "UnknownColumn", 1, seeded);
        await RefusedAsync(await silo.PostAsync("/tables/bad_columns/rows", "{\"id\": 99, \"number\": 4}\n"), HttpStatusCode.BadRequest, "InvalidQuery", 1, seeded);
        await RefusedAsync(await silo.Http.GetAsync("/tables/bad_columns/rows?where=" + Uri.EscapeDataString("colour = 'red'")), HttpStatusCode.BadRequest, "UnknownColumn", null, seeded);
        await RefusedAsync(await silo.Http.GetAsync("/tables/bad_columns/rows?order_by=colour"), HttpStatusCode.BadRequest, "UnknownColumn", null, seeded);
    }

    [Fact]
    public async Task NullInANotNullColumn_Is400NullValue_NamingTheLine()
    {
        var seeded = await SeededAsync("bad_nulls");
        await RefusedAsync(await silo.PostAsync("/tables/bad_nulls/rows", "{\"number\": 4}\n{\"number\": null}\n"), HttpStatusCode.BadRequest, "NullValue", 2, seeded);
        await RefusedAsync(await silo.PostAsync("/tables/bad_nulls/rows", "{\"number\": 4}\n{\"process\": \"left out\"}\n"), HttpStatusCode.BadRequest, "NullValue", 2, seeded);
        await RefusedAsync(await silo.PostAsync("/tables/bad_nulls/rows", "process,number\nd,\n", "text/csv"), HttpStatusCode.BadRequest, "NullValue", 2, seeded);
    }

    [Fact]
    public async Task AConstraintViolation_Is409_AndRejectsTheWholeBatch()
    {
        var seeded = await SeededAsync("bad_unique");
        // The first two rows are fine; the third repeats a stored code: nothing of the batch is stored.
        var error = await RefusedAsync(await silo.PostAsync("/tables/bad_unique/rows", "{\"number\": 4, \"code\": \"y1\"}\n{\"number\": 5, \"code\": \"y2\"}\n{\"number\": 6, \"code\": \"x2\"}\n"),
            HttpStatusCode.Conflict, "ConstraintViolation", null, seeded);
        Assert.Contains("code", error.GetProperty("message").GetString());
        // The same batch without the conflict goes in.
        using var ok = await silo.PostAsync("/tables/bad_unique/rows", "{\"number\": 4, \"code\": \"y1\"}\n{\"number\": 5, \"code\": \"y2\"}\n");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(5, await silo.CountAsync("bad_unique"));
    }

    [Fact]
    public async Task ABodyOverTheConfiguredSize_Is413_WithOrWithoutContentLength()
    {
        var seeded = await SeededAsync("bad_size");
        var row = "{\"process\": \"" + new string('p', 100) + "\", \"number\": 1}\n";
        var body = new StringBuilder();
        for (var i = 0; body.Length <= HttpSilo.MaxBody; i++) body.Append(row);
        // Expect: 100-continue, as curl sends for large bodies: the silo answers 413 from the
        // Content-Length before the body is sent. (Without it, a client still writing a body the silo
        // refused unread may see the connection closed instead of the answer.)
        using var sized = new HttpRequestMessage(HttpMethod.Post, "/tables/bad_size/rows")
        {
            Content = new StringContent(body.ToString(), Encoding.UTF8, new MediaTypeHeaderValue("application/x-ndjson")),
        };
        sized.Headers.ExpectContinue = true;
        await RefusedAsync(await silo.Http.SendAsync(sized), HttpStatusCode.RequestEntityTooLarge, "PayloadTooLarge", null, seeded);

        using var chunked = new HttpRequestMessage(HttpMethod.Post, "/tables/bad_size/rows")
        {
            Content = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(body.ToString()))),
        };
        chunked.Headers.TransferEncodingChunked = true;
        chunked.Headers.ExpectContinue = true;
        await RefusedAsync(await silo.Http.SendAsync(chunked), HttpStatusCode.RequestEntityTooLarge, "PayloadTooLarge", null, seeded);
    }

    [Fact]
    public async Task RequestsTheApiCannotTake_Are4xx_WithTheirCodes()
    {
        var seeded = await SeededAsync("bad_requests");
        await RefusedAsync(await silo.PostAsync("/tables/bad_requests/rows", "<rows/>", "application/xml"), HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", null, seeded);
        await RefusedAsync(await silo.PostAsync("/tables/no_such_table/rows", "{\"number\": 1}\n"), HttpStatusCode.NotFound, "UnknownTable", null, seeded);
        await RefusedAsync(await silo.Http.GetAsync("/tables/no_such_table/count"), HttpStatusCode.NotFound, "UnknownTable", null, seeded);
        await RefusedAsync(await silo.Http.GetAsync("/tables/bad-name/rows"), HttpStatusCode.BadRequest, "InvalidIdentifier", null, seeded);
        await RefusedAsync(await silo.Http.GetAsync("/tables/bad_requests/rows?where=" + Uri.EscapeDataString("number >>= 1")), HttpStatusCode.BadRequest, "InvalidQuery", null, seeded);
        await RefusedAsync(await silo.Http.GetAsync("/tables/bad_requests/rows?wher=number%3D1"), HttpStatusCode.BadRequest, "InvalidQuery", null, seeded);
        await RefusedAsync(await silo.Http.GetAsync("/tables/bad_requests/rows?limit=ten"), HttpStatusCode.BadRequest, "InvalidQuery", null, seeded);
        await RefusedAsync(await silo.Http.GetAsync("/tables/bad_requests/aggregate?select=median(number)"), HttpStatusCode.BadRequest, "InvalidQuery", null, seeded);
        await RefusedAsync(await silo.PostAsync("/tables/bad_requests/rows?producer=p1", "{\"number\": 1}\n"), HttpStatusCode.BadRequest, "InvalidQuery", null, seeded);
        await RefusedAsync(await silo.PostAsync("/tables/bad_requests/rows?producer=p1&sequence=0", "{\"number\": 1}\n"), HttpStatusCode.BadRequest, "InvalidQuery", null, seeded);
    }

    [Fact]
    public async Task UpdateAndDeleteOfEveryRow_NeedAllTrue_AsInTheCSharpApi()
    {
        var seeded = await SeededAsync("bad_scope");
        await RefusedAsync(await silo.Http.DeleteAsync("/tables/bad_scope/rows"), HttpStatusCode.BadRequest, "InvalidQuery", null, seeded);
        await RefusedAsync(await silo.Http.DeleteAsync("/tables/bad_scope/rows?all=true&where=number%3D1"), HttpStatusCode.BadRequest, "InvalidQuery", null, seeded);
        await RefusedAsync(await silo.Http.PatchAsync("/tables/bad_scope/rows", HttpSilo.Json("{\"process\": \"zz\"}")), HttpStatusCode.BadRequest, "InvalidQuery", null, seeded);
        await RefusedAsync(await silo.Http.PatchAsync("/tables/bad_scope/rows?where=number%3D1", HttpSilo.Json("{\"number\": \"one\"}")), HttpStatusCode.BadRequest, "ColumnType", 1, seeded);
        await RefusedAsync(await silo.Http.PatchAsync("/tables/bad_scope/rows?where=number%3D1", HttpSilo.Json("{\"code\": \"x2\"}")), HttpStatusCode.Conflict, "ConstraintViolation", null, seeded);

        using (var updated = await silo.Http.PatchAsync("/tables/bad_scope/rows?where=" + Uri.EscapeDataString("number >= 2"), HttpSilo.Json("{\"process\": \"zz\"}")))
            Assert.Equal("{\"updated\":2}", await updated.Content.ReadAsStringAsync());
        using (var deleted = await silo.Http.DeleteAsync("/tables/bad_scope/rows?all=true"))
            Assert.Equal("{\"deleted\":3}", await deleted.Content.ReadAsStringAsync());
        Assert.Equal(0, await silo.CountAsync("bad_scope"));
    }

    [Fact]
    public async Task BadSchemas_Are400Schema_AndAMismatchWithTheStoredOneIs409()
    {
        await RefusedAsync(await silo.Http.PutAsync("/tables/bad_schema", HttpSilo.Json("{\"columns\": {\"n\": \"integerish\"}}")), HttpStatusCode.BadRequest, "Schema", null, null);
        await RefusedAsync(await silo.Http.PutAsync("/tables/bad_schema", HttpSilo.Json("{\"columns\": {\"n\": \"int\"}")), HttpStatusCode.BadRequest, "Schema", null, null);
        await RefusedAsync(await silo.Http.PutAsync("/tables/bad_schema", HttpSilo.Json("{\"columns\": [{\"name\": \"n\", \"type\": \"int\", \"nullabel\": false}]}")), HttpStatusCode.BadRequest, "Schema", null, null);
        await RefusedAsync(await silo.Http.GetAsync("/tables/bad_schema"), HttpStatusCode.NotFound, "UnknownTable", null, null);

        var seeded = await SeededAsync("bad_mismatch");
        await RefusedAsync(await silo.Http.PutAsync("/tables/bad_mismatch", HttpSilo.Json("{\"columns\": {\"id\": \"id\", \"number\": \"text\"}}")), HttpStatusCode.Conflict, "SchemaMismatch", null, seeded);
    }
}
