using System.Text.Json;
using DocTable.Orleans.Tests.Http.Support;
using Xunit;

namespace DocTable.Orleans.Tests.Http;

/// <summary>
/// Real python3 processes (standard library only, the client from clients/python) against a real silo
/// process: the seed notebook's example, a fleet of processes with queue inserters, a retried POST.
/// </summary>
[Collection(HttpCollection.Name)]
public sealed class HttpPythonTests(HttpSilo silo)
{
    [Fact]
    public async Task Example_RunsTheSeedNotebooksThreeParts_AndItsCountsHold()
    {
        var script = Path.Combine(Python.RepositoryRoot, "clients", "python", "examples", "concurrent_connections.py");
        var run = await Python.RunAsync(script, ["--url", silo.Url, "--table", "example_notebook"], TimeSpan.FromMinutes(3));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("all counts checked", run.Output);
        // Part 1: five processes with two-letter names; part 3: three.
        Assert.Equal(8, run.Output.Split('\n').Count(l => System.Text.RegularExpressions.Regex.IsMatch(l, "^starting process [A-Z]{2}$")));
        // Part 2: the verbose queue inserter flushes 2, 2, then 1 (on dump).
        var flushes = run.Output.Split('\n').Where(l => l.StartsWith("Inserting ", StringComparison.Ordinal)).ToArray();
        Assert.Equal(["Inserting 2 records.", "Inserting 2 records.", "Inserting 1 records."], flushes);
        // What part 3 left: the numbers 0..99 once each.
        Assert.Equal(100, await silo.CountAsync("example_notebook"));
        using var distinct = await silo.GetJsonAsync("/tables/example_notebook/count?where=" + Uri.EscapeDataString("number >= 0 and number <= 99"));
        Assert.Equal(100, distinct.RootElement.GetProperty("count").GetInt64());
        var numbers = await silo.GetLinesAsync("/tables/example_notebook/aggregate?select=count_distinct(number)");
        Assert.Equal(100, numbers.Single().GetProperty("count_distinct_number").GetInt64());
    }

    [Fact]
    public async Task EightProcessesWithQueueInserters_StoreEveryRowOnce()
    {
        const int Processes = 8, Rows = 20_000;
        var run = await Python.RunAsync(Python.TestScript("queue_fleet.py"), [silo.Url, "fleet", $"{Processes}", $"{Rows}", "500"], TimeSpan.FromMinutes(5));

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal(Enumerable.Repeat(Rows, Processes), run.Result.GetProperty("inserted").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(Processes * Rows, await silo.CountAsync("fleet"));
        // Distinct (process, number) pairs: every process holds each of its numbers exactly once.
        var groups = await silo.GetLinesAsync("/tables/fleet/aggregate?select=count,count_distinct(number),min(number),max(number)&group_by=process");
        Assert.Equal(Enumerable.Range(0, Processes).Select(i => $"p{i}"), groups.Select(g => g.GetProperty("process").GetString()));
        foreach (var g in groups)
        {
            Assert.Equal(Rows, g.GetProperty("count").GetInt64());
            Assert.Equal(Rows, g.GetProperty("count_distinct_number").GetInt64());
            Assert.Equal(0, g.GetProperty("min_number").GetInt64());
            Assert.Equal(Rows - 1, g.GetProperty("max_number").GetInt64());
        }
    }

    [Fact]
    public async Task APostWhoseAnswerIsLost_IsRetriedWithItsSequence_AndStoredOnce()
    {
        var run = await Python.RunAsync(Python.TestScript("retry_lost_response.py"), [silo.Url, "retried"], TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, run.ToString());
        var result = run.Result;
        Assert.Equal(1, result.GetProperty("dropped").GetInt32());
        Assert.Equal(2, result.GetProperty("posts").GetInt32());   // the first attempt, then the retry
        var answers = result.GetProperty("answers").EnumerateArray().ToArray();
        Assert.Equal((500, false), (answers[0].GetProperty("inserted").GetInt32(), answers[0].GetProperty("duplicate").GetBoolean()));
        Assert.Equal((0, true), (answers[1].GetProperty("inserted").GetInt32(), answers[1].GetProperty("duplicate").GetBoolean()));
        Assert.Equal(500, result.GetProperty("count").GetInt64());
        Assert.Equal(500, await silo.CountAsync("retried"));

        // A queue inserter's chunk whose answers were all lost: the error is raised, the chunk stays
        // pending, and the next flush sends it under the same sequence: a duplicate, stored once.
        var queue = result.GetProperty("queue");
        Assert.Equal("DocTableConnectionError", queue.GetProperty("error").GetString());
        Assert.Equal(100, queue.GetProperty("pending_after_error").GetInt32());
        Assert.Equal(2, queue.GetProperty("dropped").GetInt32());
        var sent = queue.GetProperty("answers").EnumerateArray()
            .Select(a => (a.GetProperty("inserted").GetInt32(), a.GetProperty("duplicate").GetBoolean())).ToArray();
        Assert.Equal([(100, false), (0, true), (0, true), (50, false)], sent);
        Assert.Equal(150, queue.GetProperty("count").GetInt64());
        Assert.Equal(150, await silo.CountAsync("retried_queue"));
    }

    [Fact]
    public async Task ThePythonClient_RaisesTheSilosStatusCodeAndLine_AndTheTableIsUnchanged()
    {
        var run = await Python.RunAsync(Python.TestScript("client_errors.py"), [silo.Url, "py_errors"], TimeSpan.FromMinutes(2));

        Assert.True(run.ExitCode == 0, run.ToString());
        var result = run.Result;
        void Expect(string name, int status, string code, int? line)
        {
            var e = result.GetProperty(name);
            Assert.True(e.ValueKind == JsonValueKind.Object, $"{name} raised nothing: {run}");
            Assert.Equal((status, code), (e.GetProperty("status").GetInt32(), e.GetProperty("code").GetString()));
            Assert.Equal(line, e.GetProperty("line").ValueKind == JsonValueKind.Null ? null : e.GetProperty("line").GetInt32());
        }
        Expect("wrong_type", 400, "ColumnType", 2);
        Expect("unknown_column", 400, "UnknownColumn", 1);
        Expect("null", 400, "NullValue", 2);
        Expect("bad_csv", 400, "MalformedMessage", 3);
        Expect("bad_filter", 400, "InvalidQuery", null);
        Expect("delete_all_without_flag", 400, "InvalidQuery", null);
        Expect("unknown_table", 404, "UnknownTable", null);
        Assert.Equal(3, result.GetProperty("count").GetInt64());
    }
}
