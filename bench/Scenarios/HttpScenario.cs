using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using DocTable.Orleans.Bench.Measure;
using DocTable.Orleans.Bench.Runner;
using DocTable.Orleans.Client.Tools;

namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>
/// S5, HTTP: K python3 processes → one silo process (alone, as <c>doctable serve</c> runs it) → one
/// table. Each producer (bench/python/s5_producer.py) inserts 1000-row batches with the Python client
/// of clients/python (<c>Table.insert_many</c>: rows as dicts, encoded to NDJSON, POSTed with the
/// process's producer id and the next sequence number, one in flight) until its time or row quota is
/// up. The clock runs from "go" until every producer has its last batch answered (committed); the
/// table's count must equal the rows the producers were told are stored. Peak RSS is the silo's; the
/// note adds the producers' (max) and CPU µs/row per process kind.
/// </summary>
public sealed class HttpScenario(int k) : Scenario(k, "FULL")
{
    /// <summary>Rows per POST.</summary>
    public const int ChunkRows = 1000;

    /// <inheritdoc/>
    public override string Id => "S5";

    /// <inheritdoc/>
    public override string Description => $"HTTP: K python3 processes → 1 silo process over HTTP, NDJSON batches of {ChunkRows} rows (doctable_http insert_many) with producer id + sequence, one in flight each";

    /// <inheritdoc/>
    public override string? LatencyOf => $"per {ChunkRows}-row insert_many: encode + POST + commit";

    /// <inheritdoc/>
    public override bool WarmsUpInProcess => false;

    /// <inheritdoc/>
    public override string? NotRunReason => Python3Path() is null ? "python3 not on the PATH" : ClientRoot() is null ? "clients/python not found above this program" : null;

    /// <inheritdoc/>
    public override async Task<RunResult> RunAsync(RunContext context, CancellationToken cancellationToken)
    {
        var root = ClientRoot() ?? throw new InvalidOperationException("clients/python not found");
        var data = Directory.CreateDirectory(Path.Combine(context.WorkDirectory, "silo")).FullName;
        await using var silo = await SiloProcess.StartAsync(new SiloProcessOptions(data), cancellationToken);
        var url = silo.HttpUrl;
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromMinutes(2) };
        const string Schema = "{\"columns\": {\"id\": \"id\", \"updated\": \"updated\", \"process\": \"text\", \"number\": {\"type\": \"int32\", \"nullable\": false}}}";
        foreach (var table in new[] { BenchTable.Name, ClusterProducerChild.WarmupTable })
            (await http.PutAsync($"/tables/{table}", new StringContent(Schema, Encoding.UTF8, "application/json"), cancellationToken)).EnsureSuccessStatusCode();

        var quota = context.RowLimit is { } limit ? (limit + K - 1) / K : (long?)null;
        var c = CultureInfo.InvariantCulture;
        var environment = new Dictionary<string, string> { ["PYTHONPATH"] = Path.Combine(root, "clients", "python"), ["PYTHONDONTWRITEBYTECODE"] = "1" };
        var children = new List<ChildProcess>();
        try
        {
            for (var i = 0; i < K; i++)
            {
                List<string> args = ["--url", url, "--table", BenchTable.Name, "--warmup-table", ClusterProducerChild.WarmupTable,
                    "--process", BenchTable.ProcessName(i), "--seconds", context.Duration.TotalSeconds.ToString(c), "--chunk", ChunkRows.ToString(c)];
                if (quota is { } q) args.AddRange(["--rows", q.ToString(c)]);
                children.Add(ChildProcess.StartPython(Path.Combine(root, "bench", "python", "s5_producer.py"), args, environment));
            }
            foreach (var child in children) await child.ExpectLineAsync(DocTableWayChild.Ready, cancellationToken);

            var siloCpu = ProcessStats.CpuSeconds(silo.Process.Id);
            var started = Stopwatch.GetTimestamp();
            foreach (var child in children) await child.SendLineAsync(DocTableWayChild.Go);
            var reports = new List<JsonElement>();
            foreach (var child in children) reports.Add(JsonDocument.Parse(await child.ReadResultAsync(cancellationToken)).RootElement.Clone());
            var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            siloCpu = ProcessStats.CpuSeconds(silo.Process.Id) - siloCpu;
            var counted = (await http.GetFromJsonAsync<JsonElement>($"/tables/{BenchTable.Name}/count", cancellationToken)).GetProperty("count").GetInt64();

            var rows = reports.Sum(r => r.GetProperty("rows").GetInt64());
            var producerCpu = reports.Sum(r => r.GetProperty("cpu_seconds").GetDouble());
            var error = reports.Select(r => r.GetProperty("error")).FirstOrDefault(e => e.ValueKind == JsonValueKind.String) is { ValueKind: JsonValueKind.String } e ? e.GetString() : null;
            var latency = new LatencyHistogram();
            foreach (var r in reports)
                foreach (var us in r.GetProperty("latencies_us").EnumerateArray())
                    latency.Record(us.GetInt64() * Stopwatch.Frequency / 1_000_000);
            var siloRss = ProcessStats.PeakRssMb(silo.Process.Id);
            var note = string.Create(c,
                $"silo peak RSS {siloRss:0} MB, python producers max {reports.Max(r => r.GetProperty("peak_rss_mb").GetDouble()):0} MB; " +
                $"CPU µs/row: silo {ChildFleet.PerRow(siloCpu, rows):0.0}, python producers {ChildFleet.PerRow(producerCpu, rows):0.0}; " +
                $"silo busy {siloCpu / seconds:P0} of one core, producers {producerCpu / seconds:P0}; every row committed after {seconds:0.00} s");
            return new RunResult(rows, seconds, counted, latency.Compact(), siloRss, error,
                CpuUsPerRow: ChildFleet.PerRow(siloCpu + producerCpu, rows), Note: note);
        }
        finally
        {
            foreach (var child in children) await child.DisposeAsync();
        }
    }

    /// <summary>The repository holding clients/python, above the current folder or this program; null when there is none.</summary>
    private static string? ClientRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "clients", "python", "doctable_http", "__init__.py"))) return dir.FullName;
        return null;
    }

    private static string? Python3Path() => OsProcess.FindOnPath("python3");
}
