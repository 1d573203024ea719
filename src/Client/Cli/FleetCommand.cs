using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using Spectre.Console;

namespace DocTable.Orleans.Client.Cli;

/// <summary>
/// Producer fleets over a cluster. <c>doctable produce --broker URI --table T --producers K --rows N
/// [--chunk C] [--jobs]</c> (see <see cref="ProduceCommand"/>) runs the seed workload (rows {process,
/// number}, numbers 0..K*N-1 split in contiguous ranges) from K producer OS processes (each is
/// <c>doctable produce-worker …</c>) or as K jobs for <c>doctable worker</c> processes, shows a progress
/// bar fed by their confirmed rows, and checks the table's row count at the end.
/// </summary>
internal static class FleetCommand
{
    private static readonly Option<string> Broker = new("--broker") { Description = "Broker URI, amqp://user:pass@host:5672/", Required = true };
    private static readonly Option<string> Table = new("--table", "-t") { Description = "Table name", DefaultValueFactory = _ => "tmp_concurrent" };
    private static readonly Option<int> Chunk = new("--chunk") { Description = "Rows per message (one batch, one producer sequence number)", DefaultValueFactory = _ => 1000 };

    /// <summary>The hidden <c>produce-worker</c> command: one producer process of a fleet.</summary>
    public static Command CreateWorker()
    {
        var producer = new Option<string>("--producer-id") { Required = true, Description = "Producer id (unique per run; keys the exactly-once sequence)" };
        var process = new Option<string>("--process") { Required = true, Description = "Value of the rows' process column" };
        var from = new Option<long>("--from") { Description = "First number" };
        var count = new Option<long>("--count") { Required = true, Description = "Rows to insert" };
        var command = new Command("produce-worker", "One producer process of `doctable produce` (prints 'progress N' lines)")
        {
            Broker, Table, Chunk, producer, process, from, count,
        };
        command.Hidden = true;
        command.SetAction((parse, ct) => RunWorkerAsync(parse.GetValue(Broker)!, parse.GetValue(Table)!, parse.GetValue(producer)!,
            parse.GetValue(process)!, parse.GetValue(from), parse.GetValue(count), parse.GetValue(Chunk), ct));
        return command;
    }

    /// <summary>
    /// Runs a fleet: K producers — K worker processes started here, or with <paramref name="jobs"/> K
    /// jobs on the <c>doctable.jobs</c> queue for any number of <c>doctable worker</c> processes — a
    /// progress bar of confirmed rows, and a final count check. Returns the exit code (0 = checked).
    /// </summary>
    public static async Task<int> RunFleetAsync(Terminal terminal, string broker, string table, int producers, long rows, int chunk, bool jobs, string prefix, CancellationToken cancellationToken)
    {
        if (producers < 1 || rows < 0 || chunk < 1)
            return terminal.Fail("--producers and --chunk must be at least 1 and --rows not negative.");
        try
        {
            await using var client = await DocTableClient.ConnectAsync(broker, cancellationToken: cancellationToken);
            var db = client.Table<SimpleRow>(table);
            await db.OpenAsync(cancellationToken);
            var before = await db.CountAsync(cancellationToken: cancellationToken);
            var run = Guid.NewGuid().ToString("N")[..8];
            var shares = new List<FleetJob>(producers);
            long start = 0;
            for (var i = 0; i < producers; i++)
            {
                var count = rows / producers + (i < rows % producers ? 1 : 0);
                shares.Add(new FleetJob(table, $"{run}-p{i}", prefix + i, start, count, chunk));
                start += count;
            }
            var stopwatch = Stopwatch.StartNew();
            var done = new long[producers];
            var failed = jobs
                ? await JobQueue.RunAsync(broker, shares, done, all => ShowProgressAsync(terminal, all, done, rows, cancellationToken), cancellationToken)
                : await RunProcessesAsync(broker, shares, done, all => ShowProgressAsync(terminal, all, done, rows, cancellationToken), cancellationToken);
            var confirmedAfter = stopwatch.Elapsed.TotalSeconds;
            // The count is answered by the owner after every batch queued before it: the rows are stored.
            var after = await db.CountAsync(cancellationToken: cancellationToken);
            var storedAfter = stopwatch.Elapsed.TotalSeconds;
            terminal.Console.MarkupLine($"{rows:N0} rows from {producers} producer {(jobs ? "jobs" : "processes")} (chunk {chunk}): confirmed in {confirmedAfter:0.00} s, " +
                $"stored and counted after {storedAfter:0.00} s: [bold]{rows / Math.Max(storedAfter, 1e-9):N0} rows/s[/]");
            var ok = failed == 0 && after - before == rows;
            terminal.Console.MarkupLine(ok
                ? $"[green]checked: table {Markup.Escape(table)} grew by {after - before:N0} rows ({after:N0} in all)[/]"
                : $"[red]check failed: {failed} producer(s) failed; table {Markup.Escape(table)} grew by {after - before:N0} rows, expected {rows:N0}[/]");
            return ok ? 0 : 1;
        }
        catch (Exception e) when (e is DocTableException or ArgumentException)
        {
            return terminal.Fail(e);
        }
    }

    /// <summary>Starts one worker process per share, shows progress until all exit; returns how many failed.</summary>
    private static async Task<int> RunProcessesAsync(string broker, List<FleetJob> shares, long[] done, Func<Task, Task> showProgress, CancellationToken cancellationToken)
    {
        var workers = new List<Process>(shares.Count);
        try
        {
            for (var i = 0; i < shares.Count; i++) workers.Add(StartWorker(broker, shares[i], i, done));
            await showProgress(Task.WhenAll(workers.Select(w => w.WaitForExitAsync(cancellationToken))));
            return workers.Count(w => w.ExitCode != 0);
        }
        finally
        {
            foreach (var w in workers.Where(w => !w.HasExited)) w.Kill(entireProcessTree: true);
        }
    }

    private static async Task ShowProgressAsync(Terminal terminal, Task all, long[] done, long rows, CancellationToken cancellationToken)
    {
        await terminal.Console.Progress().AutoClear(false).StartAsync(async context =>
        {
            var bar = context.AddTask("rows confirmed", maxValue: Math.Max(1, rows));
            while (!all.IsCompleted)
            {
                bar.Value = done.Sum();
                await Task.WhenAny(all, Task.Delay(200, cancellationToken));
            }
            bar.Value = done.Sum();
        });
        await all;
    }

    private static Process StartWorker(string broker, FleetJob job, int index, long[] done)
    {
        var info = SelfCommand();
        foreach (var arg in new[] { "produce-worker", "--broker", broker, "--table", job.Table, "--chunk", job.Chunk.ToString(CultureInfo.InvariantCulture),
                     "--producer-id", job.ProducerId, "--process", job.Process, "--from", job.From.ToString(CultureInfo.InvariantCulture), "--count", job.Count.ToString(CultureInfo.InvariantCulture) })
            info.ArgumentList.Add(arg);
        info.RedirectStandardOutput = true;
        var worker = new Process { StartInfo = info };
        worker.OutputDataReceived += (_, line) =>
        {
            if (line.Data is { } text && text.StartsWith("progress ", StringComparison.Ordinal) && long.TryParse(text.AsSpan(9), CultureInfo.InvariantCulture, out var n))
                Interlocked.Exchange(ref done[index], n);
        };
        worker.Start();
        worker.BeginOutputReadLine();
        return worker;
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

    /// <summary>The <c>produce-worker</c> process: runs one job and prints "progress N" lines.</summary>
    public static async Task<int> RunWorkerAsync(string broker, string table, string producerId, string process, long from, long count, int chunk, CancellationToken cancellationToken)
    {
        try
        {
            await using var client = await DocTableClient.ConnectAsync(broker, cancellationToken: cancellationToken);
            var rows = await RunJobAsync(client, new FleetJob(table, producerId, process, from, count, chunk), n => Console.WriteLine($"progress {n}"), cancellationToken);
            Console.WriteLine($"progress {rows}");
            return 0;
        }
        catch (Exception e) when (e is DocTableException or ArgumentException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }

    /// <summary>
    /// One producer's job: inserts its numbers in batches of <c>Chunk</c>, each batch one message with
    /// the job's producer id and the batch's sequence number (1, 2, …), without waiting for one
    /// confirm before the next publish (the connection bounds the messages in flight). Reports the
    /// confirmed rows as soon as the first batches are confirmed, then about every 200 ms; returns them all once every batch is confirmed.
    /// </summary>
    public static async Task<long> RunJobAsync(DocTableClient client, FleetJob job, Action<long> progress, CancellationToken cancellationToken)
    {
        await client.Table<SimpleRow>(job.Table).OpenAsync(cancellationToken);
        var grain = client.GrainFactory.GetGrain<ITableGrain>(job.Table);
        string[] columns = ["process", "number"];
        var confirms = new Queue<(Task Durable, long Rows)>();
        long confirmed = 0, sequence = 0;
        var lastReport = Environment.TickCount64;
        var reported = false;
        for (var start = 0L; start < job.Count; start += job.Chunk)
        {
            var n = (int)Math.Min(job.Chunk, job.Count - start);
            var batch = new RowBatch(columns, n);
            for (var i = 0; i < n; i++) batch.Rows.Add([job.Process, job.From + start + i]);
            var result = await grain.InsertAsync(batch, new InsertOptions(ProducerId: job.ProducerId, Sequence: ++sequence), cancellationToken);
            confirms.Enqueue((result.Durable, n));
            while (confirms.TryPeek(out var head) && head.Durable.IsCompleted)
            {
                await confirms.Dequeue().Durable;
                confirmed += head.Rows;
            }
            if (confirmed > 0 && (!reported || Environment.TickCount64 - lastReport > 200))
            {
                progress(confirmed);
                reported = true;
                lastReport = Environment.TickCount64;
            }
        }
        while (confirms.TryDequeue(out var pending))
        {
            await pending.Durable.WaitAsync(cancellationToken);
            confirmed += pending.Rows;
        }
        return confirmed;
    }
}
