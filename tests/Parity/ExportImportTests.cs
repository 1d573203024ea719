using DocTable.Orleans.Tests.Embedded.Support;
using DocTable.Orleans.Client.Cli.Transfer;
using Xunit;

namespace DocTable.Orleans.Tests.Parity;

public sealed class ExportImportTests
{
    public sealed class Wide
    {
        [IdColumn] public long Id { get; set; }
        [AddedColumn] public DateTime Added { get; set; }
        public string? Text { get; set; }
        public int Number { get; set; }
        public double? Real { get; set; }
        public bool Flag { get; set; }
        public byte[]? Data { get; set; }
        public DateTime? When { get; set; }
        public List<int>? Tags { get; set; }
    }

    private static List<Wide> Rows() =>
    [
        new() { Text = "plain", Number = 1, Real = 1.5, Flag = true, Data = [0, 1, 2, 255], When = new DateTime(2024, 2, 29, 13, 14, 15, 123, DateTimeKind.Utc), Tags = [1, 2] },
        new() { Text = "", Number = -2, Real = null, Data = [], Tags = [] },
        new() { Text = null, Number = int.MaxValue, Real = 1e-300 },
        new() { Text = "comma, \"quote\"\nnew line\r\nand ünïcödé ✓", Number = 0, Real = double.MaxValue, Flag = true },
    ];

    [Theory]
    [InlineData("csv")]
    [InlineData("jsonl")]
    public async Task ExportThenImportIntoANewTableGivesTheSameRows(string format)
    {
        await using var store = await TempStore.CreateAsync();
        var source = store.Client.Table<Wide>("wide");
        var many = Enumerable.Range(0, 2500).Select(i => new Wide { Text = "r" + i, Number = i }).ToList();
        await source.InsertManyAsync(Rows().Concat(many));
        await store.Client.DisposeAsync();

        var file = Path.Combine(store.Directory, "wide." + format);
        await Ok("export", "--data", store.Directory, "--table", "wide", "--format", format, "--out", file, "--chunk-size", "700");
        Assert.True(File.Exists(file + ".schema.json"));
        await Ok("import", "--data", store.Directory, "--table", "copy", "--format", format, "--chunk-size", "300", file);

        await store.RestartAsync();
        var original = await store.Client.Table<Wide>("wide").SelectAsync();
        var copy = await store.Client.Table<Wide>("copy").SelectAsync();
        Assert.Equal(original.Count, copy.Count);
        Assert.Equal(2504, copy.Count);
        for (var i = 0; i < original.Count; i++)
        {
            var (a, b) = (original[i], copy[i]);
            Assert.Equal(a.Id, b.Id);
            Assert.Equal(a.Text, b.Text);
            Assert.Equal(a.Number, b.Number);
            Assert.Equal(a.Real, b.Real);
            Assert.Equal(a.Flag, b.Flag);
            Assert.Equal(a.Data, b.Data);
            Assert.Equal(a.When, b.When);
            Assert.Equal(a.Tags, b.Tags);
        }
        Assert.Equal("", copy[1].Text);
        Assert.Null(copy[2].Text);

        // Importing again appends through the existing table's schema.
        await store.Client.DisposeAsync();
        await Ok("import", "--data", store.Directory, "--table", "copy", "--format", format, file);
        await store.RestartAsync();
        Assert.Equal(2 * 2504, await store.Client.Table<Wide>("copy").CountAsync());
    }

    [Fact]
    public async Task BadInputNamesLineAndColumnAndImportsNothing()
    {
        await using var store = await TempStore.CreateAsync();
        await store.Client.Table<Wide>("wide").InsertAsync(new Wide { Number = 1 });
        var schema = await store.Client.Table<Wide>("wide").OpenAsync();
        await store.Client.DisposeAsync();

        var bad = Path.Combine(store.Directory, "bad.csv");
        await File.WriteAllTextAsync(bad, "text,number,flag\n\"a\",1,0\n\"b\",2,1\n\"multi\nline\",3,0\n\"c\",x4,0\n");
        var e = Assert.Throws<ColumnTypeException>(() => ImportSource.Open(bad, "csv", schema).Rows().Count());
        Assert.Contains("Line 6, column 'number'", e.Message);
        Assert.Contains("'x4'", e.Message);
        Assert.Contains("Line 6, column 'number'", await Refused("import", "--data", store.Directory, "--table", "wide", "--format", "csv", bad));

        var missing = Path.Combine(store.Directory, "nulls.csv");
        await File.WriteAllTextAsync(missing, "text,number,flag\n\"a\",,0\n");
        Assert.Contains("Line 2, column 'number'", Assert.Throws<NullValueException>(() => ImportSource.Open(missing, "csv", schema).Rows().Count()).Message);

        var unknown = Path.Combine(store.Directory, "unknown.jsonl");
        await File.WriteAllTextAsync(unknown, "{\"number\": 1, \"flag\": false}\n{\"number\": 2, \"flag\": true, \"nope\": 3}\n");
        Assert.Contains("Line 2", Assert.Throws<UnknownColumnException>(() => ImportSource.Open(unknown, "jsonl", schema).Rows().Count()).Message);
        var badJson = Path.Combine(store.Directory, "bad.jsonl");
        await File.WriteAllTextAsync(badJson, "{\"number\": 1, \"flag\": false}\n{\"number\": \"two\", \"flag\": 1}\n");
        Assert.Contains("Line 2, column 'number'", Assert.Throws<ColumnTypeException>(() => ImportSource.Open(badJson, "jsonl", schema).Rows().Count()).Message);
        Assert.Contains("Line 2, column 'number'", await Refused("import", "--data", store.Directory, "--table", "wide", "--format", "jsonl", badJson));
        var fresh = await Refused("import", "--data", store.Directory, "--table", "fresh", "--format", "csv", bad);
        Assert.Contains($"Table 'fresh' does not exist in {store.Directory}", fresh);
        Assert.Contains(bad + ".schema.json", fresh);

        await store.RestartAsync();
        Assert.Equal(1, await store.Client.Table<Wide>("wide").CountAsync());
        Assert.False(File.Exists(Path.Combine(store.Directory, "fresh.db")));
    }

    [Fact]
    public async Task ImportWithoutFormat_TakesItFromAClearExtension_ElseAsksForIt()
    {
        await using var store = await TempStore.CreateAsync();
        await store.Client.Table<Wide>("wide").InsertManyAsync(Rows());
        await store.Client.DisposeAsync();

        var jsonl = Path.Combine(store.Directory, "rows.jsonl");
        await Ok("export", "--data", store.Directory, "--table", "wide", "--out", jsonl); // the extension decides export's format too
        Assert.StartsWith("{", await File.ReadAllTextAsync(jsonl));
        var csv = Path.Combine(store.Directory, "rows.csv");
        await Ok("export", "--data", store.Directory, "--table", "wide", "--out", csv);
        await Ok("import", "--data", store.Directory, "--table", "from_jsonl", jsonl);
        await Ok("import", "--data", store.Directory, "--table", "from_csv", csv);
        var ndjson = Path.Combine(store.Directory, "rows.ndjson");
        File.Copy(jsonl, ndjson);
        await Ok("import", "--data", store.Directory, "--table", "from_jsonl", ndjson);

        var txt = Path.Combine(store.Directory, "rows.txt");
        File.Copy(csv, txt);
        Assert.Contains("pass --format csv or --format jsonl", await Refused("import", "--data", store.Directory, "--table", "from_csv", txt));
        var array = Path.Combine(store.Directory, "array.json");
        await File.WriteAllTextAsync(array, "[{\"number\": 1, \"flag\": false}]\n");
        Assert.Contains("JSON lines", await Refused("import", "--data", store.Directory, "--table", "from_csv", array));
        Assert.Contains("--format takes csv or jsonl (got 'xml')", await Refused("import", "--data", store.Directory, "--table", "from_csv", "--format", "xml", txt));

        await store.RestartAsync();
        Assert.Equal(4, await store.Client.Table<Wide>("from_csv").CountAsync());
        Assert.Equal(8, await store.Client.Table<Wide>("from_jsonl").CountAsync());
    }

    [Fact]
    public async Task ExpectedErrorsOfInProcessRuns_AreCaptured_NotPrintedToTheTestLog()
    {
        await using var store = await TempStore.CreateAsync();
        var run = await DoctableCli.InvokeAsync("import", "--data", store.Directory, "--table", "none", "--format", "csv", Path.Combine(store.Directory, "missing.csv"));
        Assert.Equal(2, run.ExitCode);
        Assert.StartsWith("error: ", run.Error);
        Assert.Contains("missing.csv does not exist", run.Error);
    }

    private static async Task Ok(params string[] args)
    {
        var run = await DoctableCli.InvokeAsync(args);
        Assert.True(run.ExitCode == 0, run.ToString());
    }

    /// <summary>Runs a command that must fail with exit code 2; returns its standard error.</summary>
    private static async Task<string> Refused(params string[] args)
    {
        var run = await DoctableCli.InvokeAsync(args);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.StartsWith("error: ", run.Error);
        return run.Error;
    }
}
