using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DocTable.Orleans.Http;

/// <summary>
/// The table API under <c>/tables</c> (see docs/HTTP.md): every call goes to the table's grain through
/// the silo's own <see cref="IGrainFactory"/>, so an HTTP caller gets what a .NET caller gets — one
/// transaction per inserted batch, exactly-once batches with a producer id and sequence, the same
/// typed errors (as a status and a stable code), the same rules for updating or deleting every row.
/// </summary>
internal static partial class TableHttpApi
{
    /// <summary>Rows per page of a select in table order (keyset pages).</summary>
    public const int KeysetPage = 1000;

    /// <summary>Rows per page of a select with an order (LIMIT/OFFSET pages: each re-runs the sorted query).</summary>
    public const int OrderedPage = 5000;

    private const string Ndjson = "application/x-ndjson; charset=utf-8";

    /// <summary>Maps the routes onto <paramref name="group"/> (the <c>/tables</c> group).</summary>
    public static RouteGroupBuilder MapTableApi(this RouteGroupBuilder group, long maxBody)
    {
        group.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context);
            }
            catch (Exception e)
            {
                await AnswerAsync(context.HttpContext, e);
                return Results.Empty;
            }
        });
        group.MapGet("", ListAsync);
        group.MapPut("/{table}", (HttpContext http, string table, IGrainFactory grains, TableSchemas schemas) => CreateAsync(http, table, grains, schemas, maxBody));
        group.MapGet("/{table}", GetSchemaAsync);
        group.MapPost("/{table}/rows", (HttpContext http, string table, IGrainFactory grains, TableSchemas schemas) => InsertAsync(http, table, grains, schemas, maxBody));
        group.MapGet("/{table}/rows", SelectAsync);
        group.MapGet("/{table}/head", HeadAsync);
        group.MapGet("/{table}/count", CountAsync);
        group.MapGet("/{table}/aggregate", AggregateAsync);
        group.MapPatch("/{table}/rows", (HttpContext http, string table, IGrainFactory grains, TableSchemas schemas) => UpdateAsync(http, table, grains, schemas, maxBody));
        group.MapDelete("/{table}/rows", DeleteAsync);
        group.MapGet("/{table}/stats", StatsAsync);
        return group;
    }

    /// <summary><c>GET /tables</c>: the tables in this silo's data directory.</summary>
    private static IResult ListAsync(HttpContext http, IOptions<DocTableOptions> options)
    {
        Known(http.Request);
        return Results.Json(new { tables = options.Value.ExistingTables() });
    }

    /// <summary><c>PUT /tables/{table}</c>: creates the table from the schema in the body, or checks (and migrates) the stored one.</summary>
    private static async Task<IResult> CreateAsync(HttpContext http, string table, IGrainFactory grains, TableSchemas schemas, long maxBody)
    {
        Known(http.Request);
        Identifier.Validate(table, "table");
        using var body = await RequestBody.ReadAsync(http.Request, maxBody, http.RequestAborted);
        var stored = await grains.GetGrain<ITableGrain>(table).OpenAsync(HttpSchema.Parse(body.Memory), http.RequestAborted);
        schemas.Set(table, stored);
        return SchemaResult(table, stored);
    }

    /// <summary><c>GET /tables/{table}</c>: the stored schema.</summary>
    private static async Task<IResult> GetSchemaAsync(HttpContext http, string table, TableSchemas schemas)
    {
        Known(http.Request);
        Identifier.Validate(table, "table");
        return SchemaResult(table, await schemas.RefreshAsync(table, http.RequestAborted));
    }

    /// <summary>
    /// <c>POST /tables/{table}/rows[?producer=ID&amp;sequence=N][&amp;on_conflict=fail|ignore|replace]</c>:
    /// the body (NDJSON, or CSV with <c>Content-Type: text/csv</c>) is one batch, one transaction.
    /// </summary>
    private static async Task<IResult> InsertAsync(HttpContext http, string table, IGrainFactory grains, TableSchemas schemas, long maxBody)
    {
        var query = Known(http.Request, "producer", "sequence", "on_conflict", "format");
        Identifier.Validate(table, "table");
        var csv = IsCsv(http.Request, query["format"]);
        var options = InsertOptionsOf(query);
        var ct = http.RequestAborted;
        var schema = await schemas.GetAsync(table, ct);
        using var body = await RequestBody.ReadAsync(http.Request, maxBody, ct);
        RowBatch batch;
        try
        {
            batch = csv ? HttpRows.Csv(body.Memory, schema, table) : HttpRows.Ndjson(body.Memory, schema, table);
        }
        catch (LineError e) when (e.Error is UnknownColumnException)
        {
            // The table may have gained the column since its schema was cached: read it again, once.
            schema = await schemas.RefreshAsync(table, ct);
            batch = csv ? HttpRows.Csv(body.Memory, schema, table) : HttpRows.Ndjson(body.Memory, schema, table);
        }
        var result = await grains.GetGrain<ITableGrain>(table).InsertAsync(batch, options, ct);
        return Results.Json(new { inserted = result.Affected, duplicate = result.Duplicate, ids = result.Ids });
    }

    /// <summary><c>GET /tables/{table}/rows?where=…&amp;order_by=…&amp;limit=N&amp;offset=N&amp;columns=a,b</c>: NDJSON, streamed in pages.</summary>
    private static async Task SelectAsync(HttpContext http, string table, IGrainFactory grains, TableSchemas schemas)
    {
        var query = Known(http.Request, "where", "order_by", "limit", "offset", "columns");
        Identifier.Validate(table, "table");
        await StreamAsync(http, table, grains, schemas, Columns(query["columns"]), WhereParser.Parse(query["where"]),
            OrderByParser.Parse(query["order_by"], "order_by"), Number(query, "limit"), (int)(Number(query, "offset") ?? 0));
    }

    /// <summary><c>GET /tables/{table}/head?n=10</c>: the first rows in table order, as NDJSON.</summary>
    private static async Task HeadAsync(HttpContext http, string table, IGrainFactory grains, TableSchemas schemas)
    {
        var query = Known(http.Request, "n", "columns");
        Identifier.Validate(table, "table");
        await StreamAsync(http, table, grains, schemas, Columns(query["columns"]), null, null, Number(query, "n") ?? 10, 0);
    }

    /// <summary><c>GET /tables/{table}/count[?where=…]</c>: <c>{"count": N}</c>.</summary>
    private static async Task<IResult> CountAsync(HttpContext http, string table, IGrainFactory grains)
    {
        var query = Known(http.Request, "where");
        Identifier.Validate(table, "table");
        var count = await grains.GetGrain<ITableGrain>(table).CountAsync(WhereParser.Parse(query["where"]), http.RequestAborted);
        return Results.Json(new { count });
    }

    /// <summary>
    /// <c>GET /tables/{table}/aggregate?select=count,sum(number)&amp;group_by=process[&amp;where=…][&amp;limit=N]</c>:
    /// one NDJSON row per group (columns: the group columns, then e.g. <c>count</c>, <c>sum_number</c>).
    /// </summary>
    private static async Task AggregateAsync(HttpContext http, string table, IGrainFactory grains, TableSchemas schemas)
    {
        var query = Known(http.Request, "select", "group_by", "where", "limit");
        Identifier.Validate(table, "table");
        var aggregates = Aggregates(query["select"]);
        var groupBy = Columns(query["group_by"]);
        if (aggregates.Length == 0 && groupBy is null)
            throw new InvalidQueryException("An aggregate needs select= (e.g. select=count,sum(number)) or group_by= (the distinct values of columns).");
        var ct = http.RequestAborted;
        var result = await grains.GetGrain<ITableGrain>(table).AggregateAsync(
            new AggregateQuery(aggregates, WhereParser.Parse(query["where"]), groupBy, (int?)Number(query, "limit")), ct);
        var schema = await schemas.GetAsync(table, ct);
        http.Response.ContentType = Ndjson;
        using var pages = new NdjsonPages(schema);
        await pages.WriteAsync(http.Response.Body, result, 0, long.MaxValue, ct);
    }

    /// <summary>
    /// <c>PATCH /tables/{table}/rows?where=…</c> (or <c>?all=true</c> for every row), body a JSON object of
    /// column values: <c>{"updated": N}</c>.
    /// </summary>
    private static async Task<IResult> UpdateAsync(HttpContext http, string table, IGrainFactory grains, TableSchemas schemas, long maxBody)
    {
        var query = Known(http.Request, "where", "all");
        Identifier.Validate(table, "table");
        var (where, all) = Scope(query, "update", "PATCH");
        var ct = http.RequestAborted;
        var schema = await schemas.GetAsync(table, ct);
        using var body = await RequestBody.ReadAsync(http.Request, maxBody, ct);
        Dictionary<string, object?> values;
        try
        {
            values = HttpRows.Values(body.Memory, schema, table);
        }
        catch (LineError e) when (e.Error is UnknownColumnException)
        {
            values = HttpRows.Values(body.Memory, await schemas.RefreshAsync(table, ct), table);
        }
        var result = await grains.GetGrain<ITableGrain>(table).UpdateAsync(values, where, all, ct);
        return Results.Json(new { updated = result.Affected });
    }

    /// <summary><c>DELETE /tables/{table}/rows?where=…</c> (or <c>?all=true</c> for every row): <c>{"deleted": N}</c>.</summary>
    private static async Task<IResult> DeleteAsync(HttpContext http, string table, IGrainFactory grains)
    {
        var query = Known(http.Request, "where", "all");
        Identifier.Validate(table, "table");
        var (where, all) = Scope(query, "delete", "DELETE");
        var result = await grains.GetGrain<ITableGrain>(table).DeleteAsync(where, all, http.RequestAborted);
        return Results.Json(new { deleted = result.Affected });
    }

    /// <summary><c>GET /tables/{table}/stats</c>: the counters of the table's activation.</summary>
    private static async Task<IResult> StatsAsync(HttpContext http, string table, IGrainFactory grains, TableSchemas schemas)
    {
        Known(http.Request);
        Identifier.Validate(table, "table");
        await schemas.GetAsync(table, http.RequestAborted);   // an unknown table is a 404, not an empty activation
        return Results.Json(await grains.GetGrain<ITableGrain>(table).GetStatsAsync(http.RequestAborted));
    }

    /// <summary>
    /// Streams the selected rows as NDJSON with one page in memory, in the pages of
    /// <see cref="TableStreaming.SelectPagesAsync"/> (as <c>doctable select</c> reads them). In table
    /// order they are keyset pages of <see cref="KeysetPage"/> rows (each continues after the last rowid,
    /// so each costs its own rows; an offset is read and skipped once). With an order they are LIMIT/OFFSET
    /// pages of <see cref="OrderedPage"/> rows: each re-runs the sorted query (SQLite keeps only
    /// offset+page rows while sorting, or walks an index), so a long ordered result costs about
    /// rows²/page row visits, and rows written meanwhile can shift between pages. The first page is read
    /// before anything is sent, so its errors are answered with their status.
    /// </summary>
    private static async Task StreamAsync(HttpContext http, string table, IGrainFactory grains, TableSchemas schemas,
        string[]? columns, Filter? where, OrderBy[]? order, long? limit, int offset)
    {
        var ct = http.RequestAborted;
        var schema = await schemas.GetAsync(table, ct);
        using var pages = new NdjsonPages(schema);
        http.Response.ContentType = Ndjson;
        var query = new SelectQuery(columns, where, order, (int?)limit, offset);
        await foreach (var page in grains.GetGrain<ITableGrain>(table).SelectPagesAsync(query, order is null ? KeysetPage : OrderedPage, ct))
            await pages.WriteAsync(http.Response.Body, page, 0, long.MaxValue, ct);
    }

    /// <summary>Turns an error into its answer: a status and a JSON error body; a stream already started is cut off instead.</summary>
    private static async Task AnswerAsync(HttpContext http, Exception error)
    {
        var logger = http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("DocTable.Orleans.Http");
        if (error is OperationCanceledException && http.RequestAborted.IsCancellationRequested) return;   // the caller left
        if (error is UnknownTableException && http.GetRouteValue("table") is string table)
            http.RequestServices.GetRequiredService<TableSchemas>().Forget(table);
        if (http.Response.HasStarted)
        {
            // The status is sent: cut the stream so the caller sees a broken response, never a short one.
            logger.LogWarning(error, "{Method} {Path} failed after its answer had started; the connection was cut", http.Request.Method, http.Request.Path);
            http.Abort();
            return;
        }
        var (status, code, line) = error switch
        {
            LineError e => (HttpErrors.StatusOf(e.Error), e.Error.Code, (long?)e.Line),
            DocTableException e => (HttpErrors.StatusOf(e), e.Code, null),
            HttpRefusal e => (e.Status, e.Code, null),
            BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } => (StatusCodes.Status413PayloadTooLarge, "PayloadTooLarge", null),
            BadHttpRequestException e => (e.StatusCode, "BadRequest", null),
            TimeoutException or OrleansException => (StatusCodes.Status503ServiceUnavailable, "Unavailable", null),
            _ => (StatusCodes.Status500InternalServerError, "Internal", null),
        };
        if (status >= 500) logger.LogError(error, "{Method} {Path} failed with {Status}", http.Request.Method, http.Request.Path, status);
        http.Response.Clear();
        await HttpErrors.WriteAsync(http.Response, status, code, error.Message, line);
    }

    private static IResult SchemaResult(string table, TableSchema schema)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("table", table);
            json.WritePropertyName("schema");
            HttpSchema.Write(json, schema);
            json.WriteEndObject();
        }
        return Results.Bytes(buffer.WrittenMemory.ToArray(), "application/json; charset=utf-8");
    }

    /// <summary>The query parameters, refused when one is not among <paramref name="known"/> (a misspelt <c>wher=</c> must not select every row).</summary>
    private static IQueryCollection Known(HttpRequest request, params string[] known)
    {
        foreach (var key in request.Query.Keys)
            if (!known.Contains(key, StringComparer.Ordinal))
                throw new InvalidQueryException(known.Length == 0
                    ? $"This route takes no query parameter (got '{key}')."
                    : $"Unknown query parameter '{key}'; this route takes {string.Join(", ", known)}.");
        return request.Query;
    }

    private static bool IsCsv(HttpRequest request, string? format)
    {
        if (format is not null)
        {
            return format.ToLowerInvariant() switch
            {
                "csv" => true,
                "ndjson" or "jsonl" => false,
                _ => throw new InvalidQueryException($"format '{format}' is not csv or ndjson."),
            };
        }
        var type = request.ContentType?.Split(';')[0].Trim().ToLowerInvariant();
        return type switch
        {
            "text/csv" or "application/csv" => true,
            null or "" or "application/x-ndjson" or "application/ndjson" or "application/jsonl" or "application/x-jsonlines"
                or "application/json" or "text/plain" or "application/x-www-form-urlencoded" => false,
            _ => throw new HttpRefusal(StatusCodes.Status415UnsupportedMediaType, "UnsupportedMediaType",
                $"A batch is NDJSON (Content-Type: application/x-ndjson) or CSV (text/csv), not {request.ContentType}; nothing was written."),
        };
    }

    private static InsertOptions InsertOptionsOf(IQueryCollection query)
    {
        var onConflict = query["on_conflict"].ToString().ToLowerInvariant() switch
        {
            "" or "fail" => OnConflict.Fail,
            "ignore" => OnConflict.Ignore,
            "replace" => OnConflict.Replace,
            var other => throw new InvalidQueryException($"on_conflict '{other}' is not fail, ignore or replace."),
        };
        var producer = query["producer"].ToString();
        var sequence = Number(query, "sequence");
        if (producer.Length == 0 && sequence is null) return new InsertOptions(onConflict);
        if (producer.Length == 0 || sequence is null)
            throw new InvalidQueryException("Exactly-once inserts take both producer= (the sender's id) and sequence= (1, 2, … per batch); nothing was written.");
        if (producer.Length > 200) throw new InvalidQueryException("producer= is at most 200 characters.");
        if (sequence < 1) throw new InvalidQueryException($"sequence= starts at 1 (got {sequence}); nothing was written.");
        return new InsertOptions(onConflict, producer, sequence.Value);
    }

    private static (Filter? Where, bool All) Scope(IQueryCollection query, string what, string method)
    {
        var where = WhereParser.Parse(query["where"]);
        var all = query["all"].ToString().ToLowerInvariant() switch
        {
            "" or "false" or "0" => false,
            "true" or "1" => true,
            var other => throw new InvalidQueryException($"all takes true or false (got '{other}')."),
        };
        if (where is null && !all)
            throw new InvalidQueryException($"A {what} without where= touches every row: add all=true to mean it ({method} /tables/T/rows?all=true); nothing was changed.");
        if (where is not null && all)
            throw new InvalidQueryException($"A {what} takes where= or all=true, not both; nothing was changed.");
        return (where, all);
    }

    private static long? Number(IQueryCollection query, string name)
    {
        var text = query[name].ToString();
        if (text.Length == 0) return null;
        if (!long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value))
            throw new InvalidQueryException($"{name} takes a whole number (got '{text}').");
        if (value < 0) throw new InvalidQueryException($"{name} must not be negative (got {value}).");
        if (name != "sequence" && value > int.MaxValue) throw new InvalidQueryException($"{name} must be at most {int.MaxValue} (got {value}).");
        return value;
    }

    private static string[]? Columns(string? text)
    {
        var names = text?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return names is { Length: > 0 } ? names : null;
    }

    [GeneratedRegex(@"^(?<fn>[a-z_]+)(?:\((?<col>[^()]*)\))?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AggregateTerm();

    /// <summary>Reads <c>count, count(c), count_distinct(c), sum(c), min(c), max(c), avg(c)</c>.</summary>
    private static Aggregate[] Aggregates(string? text)
    {
        var terms = text?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [];
        return terms.Select(term =>
        {
            var m = AggregateTerm().Match(term);
            var column = m.Groups["col"].Success && m.Groups["col"].Value.Trim().Length > 0 && m.Groups["col"].Value.Trim() != "*" ? m.Groups["col"].Value.Trim() : null;
            var function = m.Success ? m.Groups["fn"].Value.ToLowerInvariant() : "";
            return (function, column) switch
            {
                ("count", var c) => new Aggregate(AggregateFunction.Count, c),
                ("count_distinct", { } c) => Aggregate.CountDistinct(c),
                ("sum", { } c) => Aggregate.Sum(c),
                ("min", { } c) => Aggregate.Min(c),
                ("max", { } c) => Aggregate.Max(c),
                ("avg", { } c) => Aggregate.Avg(c),
                _ => throw new InvalidQueryException($"Cannot read the aggregate \"{term}\": write count, count(column), count_distinct(column), sum(column), min(column), max(column) or avg(column), separated by commas."),
            };
        }).ToArray();
    }
}
