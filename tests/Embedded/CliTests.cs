using DocTable.Orleans.Client.Cli;
using DocTable.Orleans.Tests.Embedded.Support;
using Spectre.Console;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>A data directory with table "cli": rows (A, 0..9) then (B, 10..19), ids 1..20.</summary>
public sealed class CliData : IAsyncLifetime
{
    public TempStore Store { get; } = new();

    public async Task InitializeAsync()
    {
        await using var client = await Store.StartAsync();
        await client.Table<SimpleRow>("cli").InsertManyAsync(
            Enumerable.Range(0, 20).Select(n => new SimpleRow { Process = n < 10 ? "A" : "B", Number = n }));
    }

    public async Task DisposeAsync() => await Store.DisposeAsync();
}

/// <summary><c>doctable head|count|select|produce</c> run as real processes on a data directory.</summary>
public sealed class CliTests(CliData data) : IClassFixture<CliData>
{
    private string Dir => data.Store.DataDir;

    /// <summary>The body rows of a printed table, each as its trimmed cells.</summary>
    private static List<string[]> Cells(string output)
        => output.Split('\n')
            .Where(line => line.StartsWith('│'))
            .Skip(1)
            .Select(line => line.Trim().Trim('│').Split('│').Select(c => c.Trim()).ToArray())
            .ToList();

    private static async Task<CliRun> Ok(params string[] args)
    {
        var run = await DoctableCli.RunAsync(args);
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }

    [Fact]
    public async Task Select_OfALargeTable_PrintsEveryRow_InPages_WithBoundedMemory()
    {
        const int rows = 200_000;
        await using var store = new TempStore();
        await using (var client = await store.StartAsync())
            await client.Table<SimpleRow>("large").InsertManyAsync(Enumerable.Range(0, rows).Select(n => new SimpleRow { Process = "p" + (n % 7), Number = n }));

        var plain = await Ok("select", "--data", store.DataDir, "--table", "large", "--columns", "number");
        var ordered = await Ok("select", "--data", store.DataDir, "--table", "large", "--columns", "number", "--order-by", "number desc", "--offset", "10", "--page", "5000");

        var numbers = Numbers(plain.Output);
        Assert.Equal(Enumerable.Range(0, rows), numbers);
        Assert.Equal(Enumerable.Range(0, rows - 10).Reverse(), Numbers(ordered.Output));
        Assert.True(plain.Output.Split('\n').Count(l => l.Contains("│ number", StringComparison.Ordinal)) >= rows / 1000, "the rows were printed in pages of 1000");
        // Loaded whole, 200,000 rows took 845 MB; a page at a time, the process stays small.
        Assert.True(plain.PeakRssMb is > 0 and < 300, $"select peaked at {plain.PeakRssMb:0} MB");
        Assert.True(ordered.PeakRssMb is > 0 and < 300, $"ordered select peaked at {ordered.PeakRssMb:0} MB");

        static List<int> Numbers(string output) => output.Split('\n')
            .Select(l => l.Trim().Trim('│').Trim())
            .Where(c => c.Length > 0 && char.IsAsciiDigit(c[0]))
            .Select(int.Parse).ToList();
    }

    [Fact]
    public async Task Count_PrintsTheCount_WithAndWithoutAFilter()
    {
        Assert.Equal("20", (await Ok("count", "--data", Dir, "--table", "cli")).Output.Trim());
        Assert.Equal("5", (await Ok("count", "--data", Dir, "--table", "cli", "--where", "number >= 15")).Output.Trim());
        Assert.Equal("3", (await Ok("count", "--data", Dir, "--table", "cli", "--where", "process = 'A' and number < 3")).Output.Trim());
    }

    [Fact]
    public async Task Head_PrintsTheFirstRows()
    {
        var rows = Cells((await Ok("head", "--data", Dir, "--table", "cli", "-n", "3")).Output);
        Assert.Equal(new[] { "1", "2", "3" }, rows.Select(r => r[0]));
        Assert.Equal(new[] { "A", "A", "A" }, rows.Select(r => r[2]));
        Assert.Equal(new[] { "0", "1", "2" }, rows.Select(r => r[3]));
    }

    [Fact]
    public async Task Select_FiltersOrdersAndPages()
    {
        var run = await Ok("select", "--data", Dir, "--table", "cli", "--where", "process = 'B' and number != 19",
            "--columns", "number,process", "--order-by", "number desc", "--limit", "3", "--offset", "1");
        Assert.Equal(new[] { new[] { "17", "B" }, ["16", "B"], ["15", "B"] }, Cells(run.Output));
    }

    [Fact]
    public async Task UnknownTable_ExitsWith2_AndSaysSo_NamingTheWholeDataPath_WithoutCreatingAFile()
    {
        var relative = Path.GetRelativePath(AppContext.BaseDirectory, Dir); // the CLI runs in AppContext.BaseDirectory
        foreach (var command in new[] { "count", "head", "select" })
        {
            var run = await DoctableCli.RunAsync([command, "--data", relative, "--table", "missing"]);
            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.Contains($"Table 'missing' does not exist in {Path.GetFullPath(Dir)}", run.Error);
        }
        Assert.False(File.Exists(data.Store.TablePath("missing")));
    }

    [Fact]
    public async Task BadFilter_ExitsWith2_NamingTheProblem()
    {
        var unknown = await DoctableCli.RunAsync(["count", "--data", Dir, "--table", "cli", "--where", "numberx >= 1"]);
        Assert.True(unknown.ExitCode == 2, unknown.ToString());
        Assert.Contains("'numberx'", unknown.Error);

        var unreadable = await DoctableCli.RunAsync(["count", "--data", Dir, "--table", "cli", "--where", "number >>= 1"]);
        Assert.True(unreadable.ExitCode == 2, unreadable.ToString());
        Assert.Contains("Cannot read the filter term", unreadable.Error);
    }

    [Theory]
    [InlineData("number >=", "no value after")]
    [InlineData("process = 'A", "unterminated quote")]
    [InlineData("number >= 'ten'", "'ten'")]
    [InlineData("number = 1.5", "1.5")]
    public async Task WhereThatCannotMatchAsMeant_ExitsWith2_SayingWhy(string where, string expected)
    {
        foreach (var command in new[] { "count", "select" })
        {
            var run = await DoctableCli.RunAsync([command, "--data", Dir, "--table", "cli", "--where", where]);
            Assert.True(run.ExitCode == 2, run.ToString());
            Assert.StartsWith("error: ", run.Error);
            Assert.Contains(expected, run.Error);
            Assert.Equal("", run.Output);
        }
    }

    [Fact]
    public async Task WholeNumbersAsDecimals_StillMatch()
        => Assert.Equal("1", (await Ok("count", "--data", Dir, "--table", "cli", "--where", "number = 3.0")).Output.Trim());

    [Theory]
    [InlineData("number asc", "0")]
    [InlineData("number ASC", "0")]
    [InlineData("number Desc", "19")]
    [InlineData("number", "0")]
    public async Task OrderBy_TakesAscOrDesc_InAnyCase(string orderBy, string first)
    {
        var run = await Ok("select", "--data", Dir, "--table", "cli", "--columns", "number", "--order-by", orderBy, "--limit", "1");
        Assert.Equal(first, Cells(run.Output).Single()[0]);
    }

    [Fact]
    public async Task PipedOutput_CarriesNoAnsiCodes_EvenWithoutNoColor()
    {
        var colourful = new Dictionary<string, string?> { ["NO_COLOR"] = null, ["TERM"] = "xterm-256color" };
        foreach (var args in new[]
                 {
                     new[] { "demo", "--delay-ms", "0" },
                     ["select", "--data", Dir, "--table", "cli", "--limit", "2"],
                     ["export", "--data", Dir, "--table", "cli"],
                     ["count", "--data", Dir, "--table", "cli", "--where", "number >="],
                 })
        {
            var run = await DoctableCli.RunAsync(args, environment: colourful);
            Assert.True(run.ExitCode is 0 or 2, run.ToString());
            Assert.False(run.Output.Contains('\u001b') || run.Error.Contains('\u001b'), $"ANSI codes in the output of doctable {string.Join(' ', args)}:\n{run}");
        }
    }

    [Fact]
    public void AConsoleOverAnythingButATerminal_WritesPlainText()
    {
        var captured = new StringWriter();
        var terminal = new Terminal(captured, captured);
        terminal.Console.MarkupLine("[bold red]plain[/]");
        terminal.Console.Write(new Rule("[bold]rule[/]"));
        Assert.DoesNotContain('\u001b', captured.ToString());
        Assert.Contains("plain", captured.ToString());
        Assert.False(Terminal.WantsAnsi(captured));
    }

    [Theory]
    [InlineData("--producers must be at least 1 (got 0)", "produce", "--table", "t", "--producers", "0", "--rows", "5")]
    [InlineData("--producers must be at least 1 (got -2)", "produce", "--table", "t", "--producers", "-2", "--rows", "5")]
    [InlineData("--rows must not be negative (got -5)", "produce", "--table", "t", "--rows", "-5")]
    [InlineData("--rows takes a whole number (got 'ten')", "produce", "--table", "t", "--rows", "ten")]
    [InlineData("--rows must be at most 2147483647", "produce", "--table", "t", "--rows", "99999999999")]
    [InlineData("--chunk must be at least 1 (got 0)", "produce", "--table", "t", "--rows", "5", "--chunk", "0")]
    [InlineData("--producers x --rows must be at most", "produce", "--table", "t", "--producers", "70000", "--rows", "70000")]
    [InlineData("-n takes a whole number (got 'x')", "head", "--table", "cli", "-n", "x")]
    [InlineData("--limit must not be negative (got -1)", "select", "--table", "cli", "--limit", "-1")]
    [InlineData("--offset must not be negative (got -1)", "select", "--table", "cli", "--offset", "-1")]
    [InlineData("--chunk-size must be at least 1 (got 0)", "export", "--table", "cli", "--chunk-size", "0")]
    [InlineData("--format takes csv or jsonl (got 'xml')", "export", "--table", "cli", "--format", "xml")]
    [InlineData("--delay-ms must not be negative (got -1)", "demo", "--delay-ms", "-1")]
    [InlineData("Option '--table' is required", "count")]
    [InlineData("Cannot read --order-by", "select", "--table", "cli", "--order-by", "number upward")]
    public async Task BadArguments_ExitWith2_SayingWhatIsWrongInTheUsersWords(string expected, params string[] args)
    {
        var run = await DoctableCli.RunAsync(args.Concat(args[0] == "demo" ? [] : new[] { "--data", Dir }));
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith("error: ", run.Error);
        Assert.Contains(expected, run.Error);
        foreach (var internals in new[] { "System.", "(Parameter '", "Actual value was", "Exception" })
            Assert.DoesNotContain(internals, run.Error);
        Assert.Equal("", run.Output);
    }

    [Fact]
    public async Task Demo_NamesTheTableItMade()
    {
        var run = await Ok("demo", "--delay-ms", "0");
        Assert.Contains("table tmp_concurrent in data directory ", run.Output);
    }

    [Fact]
    public async Task Produce_InsertsAndPrintsTheCount_AndRefusesBadArguments()
    {
        await using var store = new TempStore();
        var run = await Ok("produce", "--data", store.DataDir, "--table", "made", "--producers", "3", "--rows", "50", "--chunk", "7", "--name", "w");
        Assert.Contains("produced 150 rows", run.Output);
        Assert.Contains("now holds 150 rows", run.Output);
        // As a --cluster fleet numbers them: producer i inserts i*N..i*N+N-1 as process w{i}.
        Assert.Equal(150L, store.Query("made", "SELECT COUNT(DISTINCT number) FROM made WHERE number BETWEEN 0 AND 149 AND process = 'w' || (number / 50)")[0][0]);
        var help = await Ok("produce", "--help");
        Assert.Contains("i*N..i*N+N-1", help.Output);

        var bad = await DoctableCli.RunAsync(["produce", "--data", store.DataDir, "--table", "made", "--producers", "0", "--rows", "5"]);
        Assert.True(bad.ExitCode == 2, bad.ToString());
        Assert.Contains("--producers", bad.Error);
        var illegal = await DoctableCli.RunAsync(["produce", "--data", store.DataDir, "--table", "x; drop", "--rows", "5"]);
        Assert.True(illegal.ExitCode == 2, illegal.ToString());
        Assert.Contains("Illegal table name", illegal.Error);
    }
}
