using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Spectre.Console;

namespace DocTable.Orleans.Client.Cli;

/// <summary>
/// Producer fleets over a cluster: <c>doctable produce --cluster URI …</c> runs K producers, numbered
/// as in embedded mode (producer i inserts i*N..i*N+N-1 as process PREFIX+i) in batches of
/// <c>--chunk</c> rows that carry the producer's id and sequence numbers — as K producer grains spread
/// over the silos (each running <see cref="InsertNumbersJob"/>, resumed on another silo if its silo
/// dies), or with <c>--processes</c> as K producer OS processes (<c>doctable produce-worker</c>, Orleans
/// clients). It shows a progress bar of the rows stored and ends with an exact count check.
/// </summary>
internal static class FleetCommand
{
    /// <summary>The fleet: returns 0 when the table grew by exactly K*N rows, 1 when not, 2 on a typed error.</summary>
    public static async Task<int> RunAsync(Terminal terminal, string cluster, ProduceSettings settings, bool processes, CancellationToken cancellationToken)
    {
        try
        {
            ProduceCommand.Check(settings);
            await using var client = await DocTableClient.ConnectAsync(cluster, cancellationToken: cancellationToken);
            var db = client.Table<SimpleRow>(settings.Table);
            await db.OpenAsync(cancellationToken);
            var before = await db.CountAsync(cancellationToken: cancellationToken);
            var rows = (long)settings.Producers * settings.Rows;
            var run = Guid.NewGuid().ToString("N")[..8];
            InsertNumbersJob JobOf(int i) => new(settings.Table, settings.Prefix + i, (long)i * settings.Rows, settings.Rows, settings.Chunk);
            var clock = Stopwatch.StartNew();
            var work = processes
                ? RunProcessesAsync(cluster, run, settings.Producers, JobOf, cancellationToken)
                : RunGrainsAsync(client, run, settings.Producers, JobOf, cancellationToken);
            var counted = await ShowProgressAsync(terminal, work, () => db.CountAsync(cancellationToken: cancellationToken), before, rows, cancellationToken);
            var failed = await work;
            var grown = counted!.Value - before;
            var seconds = clock.Elapsed.TotalSeconds;
            terminal.Console.MarkupLine($"{rows:N0} rows from {settings.Producers} producer {(processes ? "processes" : "grains")} (chunk {settings.Chunk}) stored and counted in {seconds:0.00} s: [bold]{rows / Math.Max(seconds, 1e-9):N0} rows/s[/]");
            var ok = failed == 0 && grown == rows;
            terminal.Console.MarkupLine(ok
                ? $"[green]checked: table {Markup.Escape(settings.Table)} grew by {grown:N0} rows ({before + grown:N0} in all)[/]"
                : $"[red]check failed: {failed} producer(s) failed; table {Markup.Escape(settings.Table)} grew by {grown:N0} rows, expected {rows:N0}[/]");
            return ok ? 0 : 1;
        }
        catch (Exception e) when (e is DocTableException or ArgumentException)
        {
            return terminal.Fail(e);
        }
    }

    /// <summary>The hidden <c>produce-worker</c> command: one producer process of a fleet, an Orleans client of the cluster.</summary>
    public static Command CreateWorker()
    {
        var cluster = new Option<string>("--cluster") { Required = true, Description = "The cluster, redis://HOST:PORT[/CLUSTER-ID]" };
        var table = new Option<string>("--table", "-t") { Required = true, Description = "Table name" };
        var producer = new Option<string>("--producer-id") { Required = true, Description = "Producer id: keys the exactly-once sequence numbers; rerun with the same id to resume" };
        var process = new Option<string>("--process") { Required = true, Description = "Value of the rows' process column" };
        var from = new Option<long>("--from") { Description = "First number" };
        var count = new Option<long>("--count") { Required = true, Description = "Rows to insert" };
        var chunk = new Option<int>("--chunk") { Description = "Rows per batch", DefaultValueFactory = _ => 1000, CustomParser = WholeNumber.AtLeast(1) };
        var inFlight = new Option<int>("--in-flight") { Description = "Batches sent before the first is confirmed", DefaultValueFactory = _ => 4, CustomParser = WholeNumber.AtLeast(1) };
        var callTimeout = new Option<int>("--call-timeout") { Description = "Seconds a batch waits for its commit before it is sent again (a client is not told when a silo dies under its call)", DefaultValueFactory = _ => 4, CustomParser = WholeNumber.AtLeast(1) };
        var command = new Command("produce-worker", "One producer process of `doctable produce --cluster --processes`; a rerun with the same --producer-id resumes without duplicates")
        {
            cluster, table, producer, process, from, count, chunk, inFlight, callTimeout,
        };
        command.Hidden = true;
        command.SetAction(async (parse, ct) =>
        {
            var terminal = Terminal.For(parse);
            try
            {
                // A short call timeout: a batch in flight to a silo that died is sent again after seconds,
                // not after the default 10 s; a batch that was stored after all is skipped as a duplicate.
                await using var client = await DocTableClient.ConnectAsync(parse.GetValue(cluster)!, TimeSpan.FromSeconds(parse.GetValue(callTimeout)), ct);
                var job = new InsertNumbersJob(parse.GetValue(table)!, parse.GetValue(process)!, parse.GetValue(from), parse.GetValue(count), parse.GetValue(chunk), parse.GetValue(inFlight));
                var context = new ProducerContext(parse.GetValue(producer)!, 0, client.GrainFactory);
                // Each batch it has confirmed is progress: a silo failure after progress starts a new streak.
                var written = await RetryPolicy.Default.RunAsync(progress => new Grains.InsertNumbers().RunAsync(job, context with { Progress = progress }, ct), ct);
                terminal.Output.WriteLine($"done {written}");
                return 0;
            }
            catch (Exception e) when (e is DocTableException or ArgumentException)
            {
                return terminal.Fail(e);
            }
        });
        return command;
    }

    /// <summary>
    /// Runs the producers as producer grains and waits for all; returns 0 (none failed). A job's error is
    /// thrown as it is (awaited, not read through <c>Task.Result</c>, which would wrap it in an
    /// AggregateException), so a typed error reaches the user in its own words.
    /// </summary>
    private static async Task<int> RunGrainsAsync(DocTableClient client, string run, int producers, Func<int, InsertNumbersJob> jobOf, CancellationToken cancellationToken)
    {
        await client.Distribute(producers).RunJobAsync(jobOf, run, cancellationToken: cancellationToken);
        return 0;
    }

    /// <summary>Starts one <c>produce-worker</c> process per producer and waits for all; returns how many failed.</summary>
    private static async Task<int> RunProcessesAsync(string cluster, string run, int producers, Func<int, InsertNumbersJob> jobOf, CancellationToken cancellationToken)
    {
        var workers = new List<Process>(producers);
        try
        {
            for (var i = 0; i < producers; i++) workers.Add(StartWorker(cluster, $"{run}-p{i}", jobOf(i)));
            await Task.WhenAll(workers.Select(w => w.WaitForExitAsync(cancellationToken)));
            return workers.Count(w => w.ExitCode != 0);
        }
        finally
        {
            foreach (var w in workers.Where(w => !w.HasExited)) w.Kill(entireProcessTree: true);
        }
    }

    private static Process StartWorker(string cluster, string producerId, InsertNumbersJob job)
    {
        var info = SelfCommand();
        foreach (var arg in new[] { "produce-worker", "--cluster", cluster, "--table", job.Table, "--producer-id", producerId, "--process", job.Process,
                     "--from", job.From.ToString(CultureInfo.InvariantCulture), "--count", job.Count.ToString(CultureInfo.InvariantCulture),
                     "--chunk", job.ChunkSize.ToString(CultureInfo.InvariantCulture) })
            info.ArgumentList.Add(arg);
        return Process.Start(info) ?? throw new InvalidOperationException("Could not start a producer process.");
    }

    /// <summary>How to start this program again: the apphost, or <c>dotnet doctable.dll</c>.</summary>
    public static ProcessStartInfo SelfCommand()
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var info = new ProcessStartInfo(host) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            info.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        return info;
    }

    /// <summary>
    /// A progress bar of the rows stored (the table's count, polled) until <paramref name="work"/> ends;
    /// then, if it succeeded, the table's count. A poll that fails or hangs — the silo hosting the table
    /// died or left under it, and the producers are recovering — skips an update instead of ending the
    /// command; the final count is retried as the producers' calls are (<see cref="RetryPolicy"/>).
    /// </summary>
    private static async Task<long?> ShowProgressAsync(Terminal terminal, Task work, Func<Task<long>> count, long before, long rows, CancellationToken cancellationToken)
        => await terminal.ErrorConsole.Progress().AutoClear(false).StartAsync(async context =>
        {
            var bar = context.AddTask("rows stored", maxValue: Math.Max(1, rows));
            while (!work.IsCompleted)
            {
                var poll = count();
                await Task.WhenAny(work, Task.WhenAll(poll, Task.Delay(250, cancellationToken)));
                if (poll.IsCompletedSuccessfully) bar.Value = Math.Min(rows, poll.Result - before);
                else _ = poll.ContinueWith(static t => _ = t.Exception, TaskScheduler.Default);
            }
            if (!work.IsCompletedSuccessfully) return (long?)null;
            var final = await RetryPolicy.Default.RunAsync(count, cancellationToken);
            bar.Value = Math.Min(rows, final - before);
            return final;
        });
}
