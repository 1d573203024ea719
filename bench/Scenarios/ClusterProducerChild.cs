using System.Diagnostics;
using System.Text.Json;
using DocTable.Orleans.Bench.Measure;
using DocTable.Orleans.Bench.Report;
using DocTable.Orleans.Bench.Runner;
using DocTable.Orleans.Client.Cli;

namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>
/// The body of one S4 producer process: connects to the cluster with <see cref="DocTableClient.ConnectAsync"/>,
/// warms up on a table of its own, says "ready", waits for "go", then sends batches of
/// <see cref="ChunkRows"/> rows — each with this producer's id and the next sequence number (exactly
/// once), <see cref="InFlight"/> at a time — until its time (or row quota) is up, waits for the last
/// ones and prints a <see cref="ChildReport"/> whose rows are the committed ones and whose latencies are sent → committed per batch.
/// </summary>
public static class ClusterProducerChild
{
    /// <summary>The command-line switch that selects this mode.</summary>
    public const string Mode = "--child-s4";

    /// <summary>Rows per batch.</summary>
    public const int ChunkRows = 1000;

    /// <summary>Batches a producer has sent and not yet seen committed.</summary>
    public const int InFlight = 4;

    /// <summary>The table the warm-up writes (never counted).</summary>
    public const string WarmupTable = "bench_warmup";

    private const double WarmupSeconds = 1;

    /// <summary>Runs the child; <paramref name="args"/> are its options after <see cref="Mode"/>.</summary>
    public static async Task<int> RunAsync(ArgReader args, CancellationToken cancellationToken)
    {
        var cluster = args.Required("--cluster");
        var producerId = args.Required("--producer-id");
        var process = args.Required("--process");
        var duration = TimeSpan.FromSeconds(args.Double("--seconds", 3));
        var quota = args.Long("--rows");
        args.RejectUnknown();

        await using var client = await DocTableClient.ConnectAsync(cluster, TimeSpan.FromMinutes(2), cancellationToken);
        await client.Table<SimpleRow>(BenchTable.Name).OpenAsync(cancellationToken);
        await client.Table<SimpleRow>(WarmupTable).OpenAsync(cancellationToken);
        // A second of warm-up, so this process and the silo run optimized code when the clock starts.
        var warmup = new Sender(client.GrainFactory.GetGrain<ITableGrain>(WarmupTable), producerId + "-warmup", process, null);
        var warmupBudget = new RunContext(TimeSpan.FromSeconds(WarmupSeconds), "").StartBudget(1);
        while (warmupBudget.More(warmup.Sent)) await warmup.SendAsync(cancellationToken);
        await warmup.CommittedAsync(cancellationToken);

        Console.WriteLine(DocTableWayChild.Ready);
        if (Console.ReadLine() != DocTableWayChild.Go) return 3;

        var latency = new LatencyHistogram();
        var sender = new Sender(client.GrainFactory.GetGrain<ITableGrain>(BenchTable.Name), producerId, process, latency);
        var budget = new RunContext(duration, "", quota).StartBudget(1);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        string? error = null;
        long committed = 0;
        try
        {
            while (budget.More(sender.Sent)) await sender.SendAsync(cancellationToken);
            committed = await sender.CommittedAsync(cancellationToken);
        }
        catch (DocTableException e)
        {
            error = $"{process}: {e.GetType().Name}: {e.Message}";
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var report = new ChildReport(committed, seconds, cpuSeconds, PeakRss.ReadMb(), latency.Compact(), error);
        Console.WriteLine(ChildProcess.ResultPrefix + JsonSerializer.Serialize(report, BenchJsonContext.Default.ChildReport));
        return 0;
    }

    /// <summary>Sends numbered batches of one producer, <see cref="InFlight"/> at a time, and counts the committed rows.</summary>
    private sealed class Sender(ITableGrain table, string producerId, string process, LatencyHistogram? latency)
    {
        private readonly Queue<Task<long>> _inFlight = new();
        private long _sequence;
        private long _committed;

        /// <summary>Rows sent so far.</summary>
        public long Sent { get; private set; }

        /// <summary>Sends the next batch; first waits for the oldest one when <see cref="InFlight"/> are out.</summary>
        public async Task SendAsync(CancellationToken cancellationToken)
        {
            if (_inFlight.Count >= InFlight) _committed += await _inFlight.Dequeue();
            var batch = new RowBatch(SeedTable.Columns, ChunkRows);
            for (var i = 0; i < ChunkRows; i++) batch.Rows.Add([process, Sent + i]);
            Sent += ChunkRows;
            _inFlight.Enqueue(InsertAsync(batch, ++_sequence, cancellationToken));
        }

        /// <summary>Waits for every batch; returns the committed rows.</summary>
        public async Task<long> CommittedAsync(CancellationToken cancellationToken)
        {
            while (_inFlight.Count > 0) _committed += await _inFlight.Dequeue().WaitAsync(cancellationToken);
            return _committed;
        }

        private async Task<long> InsertAsync(RowBatch batch, long sequence, CancellationToken cancellationToken)
        {
            var t0 = Stopwatch.GetTimestamp();
            var result = await table.InsertAsync(batch, new InsertOptions(ProducerId: producerId, Sequence: sequence), cancellationToken);
            if (latency is not null)
                lock (latency) latency.Record(Stopwatch.GetTimestamp() - t0);
            return result.Affected;
        }
    }
}
