using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace DocTable.Orleans.Http;

/// <summary>A refusal of the HTTP layer itself, with its status and stable error code (the body is too large, the media type unknown, …).</summary>
internal sealed class HttpRefusal(int status, string code, string message) : Exception(message)
{
    /// <summary>The HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>The stable error code.</summary>
    public string Code { get; } = code;
}

/// <summary>A typed error found on one line of a request body (NDJSON or CSV); the line is reported beside the code.</summary>
internal sealed class LineError(long line, DocTableException error) : Exception(error.Message, error)
{
    /// <summary>The 1-based line of the body.</summary>
    public long Line { get; } = line;

    /// <summary>The typed error.</summary>
    public DocTableException Error { get; } = error;
}

/// <summary>
/// How errors become HTTP answers: a status and a JSON body <c>{"error": CODE, "message": …, "status": N[, "line": L]}</c>.
/// The code of a typed error is <see cref="DocTableException.Code"/> (the class name without "Exception"),
/// so a Python caller sees the same words a .NET caller catches.
/// </summary>
public static class HttpErrors
{
    /// <summary>
    /// The HTTP status of a typed error: 404 for an unknown table; 409 for a constraint violation or a
    /// schema that differs from the stored one; 403 for a read-only table; 507 for a full disk; 503
    /// when the table's storage, group or cluster cannot take the call now; 500 for other storage
    /// failures; 400 for every other refusal of the request as given (a bad value, column, name,
    /// filter or body).
    /// </summary>
    public static int StatusOf(DocTableException error) => error switch
    {
        UnknownTableException => StatusCodes.Status404NotFound,
        SchemaMismatchException or ConstraintViolationException => StatusCodes.Status409Conflict,
        ReadOnlyTableException => StatusCodes.Status403Forbidden,
        StorageFullException => StatusCodes.Status507InsufficientStorage,
        StorageReadOnlyException or TableUnavailableException or ClusterUnavailableException => StatusCodes.Status503ServiceUnavailable,
        StorageException or MissingFileException => StatusCodes.Status500InternalServerError,
        _ => StatusCodes.Status400BadRequest,
    };

    /// <summary>Writes the error answer (status and JSON body).</summary>
    internal static Task WriteAsync(HttpResponse response, int status, string code, string message, long? line = null)
    {
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256 + message.Length * 2);
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("error", code);
            json.WriteString("message", message);
            json.WriteNumber("status", status);
            if (line is { } l) json.WriteNumber("line", l);
            json.WriteEndObject();
        }
        return response.Body.WriteAsync(buffer.WrittenMemory).AsTask();
    }
}
