using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using DocTable.Orleans.Bench.Scenarios;

namespace DocTable.Orleans.Bench.Report;

/// <summary>JSON of the report and of the lines child processes send (snake_case, source-generated).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(BenchReport))]
[JsonSerializable(typeof(RunResult))]
[JsonSerializable(typeof(ChildReport))]
public sealed partial class BenchJsonContext : JsonSerializerContext
{
    /// <summary>The same context, indented, for the report file.</summary>
    public static BenchJsonContext Indented { get; } = new(new JsonSerializerOptions
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // a file for people: keep "+" and "→" readable
    });
}
