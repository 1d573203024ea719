using System.Text.Json;
using DocTable.Orleans.Bench.Measure;
using DocTable.Orleans.Bench.Report;
using DocTable.Orleans.Bench.Runner;
using DocTable.Orleans.Bench.Scenarios;
using DocTable.Orleans.Grains.Storage;
using Xunit;

namespace DocTable.Orleans.Bench.Tests;

/// <summary>
/// The benchmark harness at tiny size: every scenario's count must match the rows it reports, and the
/// report must have the agreed shape. Correctness only; no timing is ever asserted.
/// </summary>
public sealed class HarnessTests : IDisposable
{
    private static readonly string[] RowFields =
        ["scenario", "k", "durability", "rows", "seconds", "rows_per_s", "ratio_to_ceiling", "p50_ms", "p99_ms", "peak_rss_mb", "count_ok"];

    private readonly string _root = Directory.CreateTempSubdirectory("doctable-bench-test-").FullName;

    [Fact]
    public async Task QuickPlanAtTinySizeCountsRightAndWritesTheAgreedJson()
    {
        var settings = new BenchSettings
        {
            Mode = "quick",
            Duration = TimeSpan.FromSeconds(0.3),
            Repeats = 1,
            WorkRoot = _root,
            Isolated = false,
        };
        var report = await BenchProgram.RunPlanAsync(settings, "test", TextWriter.Null, CancellationToken.None);

        Assert.Equal(["S0", "S1", "S2", "S3"], report.Rows.Select(r => r.Scenario));
        foreach (var row in report.Rows)
        {
            Assert.True(row.Status == ResultRow.Ok, $"{row.Scenario} K={row.K}: {row.Status} {row.Note}");
            Assert.True(row.CountOk);
            Assert.True(row.Rows > 0, $"{row.Scenario} inserted nothing");
            Assert.NotNull(row.RatioToCeiling);
        }
        Assert.All(report.Rows.Where(r => r.Scenario != "S0"), r => Assert.NotNull(r.P50Ms));
        Assert.True(report.AllOk);

        using var json = JsonDocument.Parse(JsonSerializer.Serialize(report, BenchJsonContext.Indented.BenchReport));
        var root = json.RootElement;
        Assert.Equal("test", root.GetProperty("command_line").GetString());
        foreach (var field in new[] { "cores", "os", "dotnet", "cpu_model" })
            Assert.True(root.GetProperty("machine").TryGetProperty(field, out _), $"machine.{field} missing");
        var rows = root.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(4, rows.Count);
        foreach (var row in rows)
            foreach (var field in RowFields)
                Assert.True(row.TryGetProperty(field, out _), $"rows[].{field} missing");
        Assert.Equal(1, rows[0].GetProperty("ratio_to_ceiling").GetDouble());
    }

    [Fact]
    public async Task AnIsolatedRunInAChildProcessCountsRight()
    {
        var settings = new BenchSettings { Duration = TimeSpan.FromSeconds(0.3), Repeats = 1, WorkRoot = _root, Isolated = true };
        var result = await new ScenarioRunner(settings, TextWriter.Null).RunOnceAsync(new QueueInserterScenario(2, Durability.Normal, chunkSize: 10), CancellationToken.None);

        Assert.True(result.CountOk, result.Error ?? $"count {result.Counted} vs {result.Rows}");
        Assert.True(result.Rows > 0);
        Assert.True(result.PeakRssMb > 0);
    }

    [Fact]
    public async Task ARunSizedInRowsInsertsExactlyThoseRows()
    {
        var settings = new BenchSettings { RowsPerRun = 2_500, Repeats = 1, WorkRoot = _root, Isolated = false };
        var result = await new ScenarioRunner(settings, TextWriter.Null).RunOnceAsync(new QueueInserterScenario(5, Durability.Normal), CancellationToken.None);

        Assert.True(result.CountOk, result.Error);
        Assert.Equal(2_500, result.Counted);
    }

    [Fact]
    public void AWrongCountIsReportedAsFailedNotAsARate()
    {
        var row = ResultRow.From(new CeilingScenario(), [new RunResult(1000, 1, 1000, [], 10), new RunResult(1000, 1, 999, [], 10)], null);

        Assert.Equal(ResultRow.Failed, row.Status);
        Assert.False(row.CountOk);
        Assert.Contains("999", row.Note);
        var table = MarkdownTable.Render(Report([row]));
        Assert.Contains("FAILED (count 999", table);
    }

    [Fact]
    public void AScenarioThatCannotRunIsListedAsNotRun()
    {
        var s4 = ScenarioCatalog.Full().Where(s => s.Id == "S4").ToList();
        Assert.Equal([1, 5], s4.Select(s => s.K));
        Assert.DoesNotContain(ScenarioCatalog.Quick(), s => s.Id == "S4");

        var row = ResultRow.From(s4[1], [], ceilingRowsPerS: 1000);
        Assert.Equal(ResultRow.NotRun, row.Status);
        Assert.Null(row.CountOk);
        Assert.Contains("| S4 | 5 | FULL | not run (", MarkdownTable.Render(Report([row])));
    }

    [Fact]
    [Trait("Category", "Cluster")]
    public async Task TheClusterScenarioStoresExactlyTheRowsItsProducerProcessesHadConfirmed()
    {
        var s4 = new ClusterScenario(2);
        Assert.Null(s4.NotRunReason); // redis-server is part of this project's test environment (scripts/test.sh installs it)
        var settings = new BenchSettings { Duration = TimeSpan.FromSeconds(0.3), Repeats = 1, WorkRoot = _root, Isolated = false };
        var result = await new ScenarioRunner(settings, TextWriter.Null).RunOnceAsync(s4, CancellationToken.None);

        Assert.True(result.CountOk, result.Error ?? $"count {result.Counted} vs {result.Rows}");
        Assert.True(result.Rows > 0);
        Assert.Equal(0, result.Rows % ClusterProducerChild.ChunkRows); // only whole confirmed batches are reported
        Assert.True(LatencyHistogram.FromCounts(result.LatencyCounts).Total >= result.Rows / ClusterProducerChild.ChunkRows);
        Assert.True(result.PeakRssMb > 0);
        Assert.Contains("producers max", result.Note);
    }

    [Theory]
    [InlineData("--quick")]
    [InlineData("--quick", "--seconds", "0.5")]
    [InlineData("--only", "S0,S3")]
    [InlineData("--seconds", "1", "--repeats", "1")]
    [InlineData]
    public void ARunWithoutSaveNeverWritesTheCommittedResults(params string[] args)
    {
        var settings = Parse(args);
        Assert.False(settings.Saves);
        Assert.Equal("runs", Path.GetFileName(Path.GetDirectoryName(settings.OutputPath)));
        Assert.Equal("results", Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(settings.OutputPath))));
        Assert.StartsWith(settings.Mode + "-", Path.GetFileName(settings.OutputPath));
    }

    [Fact]
    public void SaveWritesTheCommittedResults_OnlyForAFullTableOrTheSoak()
    {
        var full = Parse("--save");
        Assert.True(full.Saves);
        Assert.Equal(Path.Combine("bench", "results", "latest.json"), Tail(full.OutputPath));
        Assert.Equal(Path.Combine("bench", "results", "soak.json"), Tail(Parse("--soak", "--save").OutputPath));
        Assert.Equal("mine.json", Parse("--quick", "--out", "mine.json").OutputPath);

        Assert.Contains("--quick", Assert.Throws<ArgumentException>(() => Parse("--quick", "--save")).Message);
        Assert.Contains("--only", Assert.Throws<ArgumentException>(() => Parse("--only", "S4", "--save")).Message);
        Assert.Throws<ArgumentException>(() => Parse("--save", "--out", "x.json"));
    }

    [Fact]
    public void TheRunsFolderIsIgnoredByGit_AndTheCommittedResultsAreNot()
    {
        var root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Parse("--save").OutputPath)))!;
        var ignore = File.ReadAllLines(Path.Combine(root, ".gitignore"));
        Assert.Contains("/bench/results/runs/", ignore);
        Assert.DoesNotContain(ignore, line => line.Trim() is "/bench/results/" or "bench/results/" or "*.json");
    }

    private static BenchSettings Parse(params string[] args)
    {
        var reader = new ArgReader(args);
        var settings = BenchSettings.Parse(reader);
        reader.RejectUnknown();
        return settings;
    }

    private static string Tail(string path)
        => Path.Combine(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(path)))!, Path.GetFileName(Path.GetDirectoryName(path))!, Path.GetFileName(path));

    [Fact]
    public void HistogramQuantilesStayWithinItsResolution()
    {
        var h = new LatencyHistogram();
        var ticksPerMs = System.Diagnostics.Stopwatch.Frequency / 1000;
        for (var i = 1; i <= 1000; i++) h.Record(i * ticksPerMs / 10); // 0.1 ms … 100 ms
        var merged = LatencyHistogram.FromCounts(h.Compact());

        Assert.Equal(1000, merged.Total);
        Assert.InRange(merged.QuantileMs(0.5)!.Value, 50 * 0.93, 50 * 1.07);
        Assert.InRange(merged.QuantileMs(0.99)!.Value, 99 * 0.93, 99 * 1.07);
        Assert.Null(new LatencyHistogram().QuantileMs(0.5));
    }

    private static BenchReport Report(IReadOnlyList<ResultRow> rows)
        => new(DateTime.UtcNow, "test", "full", 1, null, 1, MachineInfo.Current(), rows);

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { }
    }
}
