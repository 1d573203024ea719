using System.Diagnostics;
using System.Text.Json;
using DocTable.Orleans.Bench.Measure;
using DocTable.Orleans.Bench.Report;
using DocTable.Orleans.Bench.Runner;
using DocTable.Orleans.Client.Cli;

namespace DocTable.Orleans.Bench.Scenarios;

/// <summary>
/// The body of one S4 producer process: connects to the cluster with <see cref="DocTableClient.ConnectAsync"/>,
/// warms up on a table of its own, says "ready", waits for "go", then publishes one-way batches of
/// <see cref="ChunkRows"/> rows — each one message with this producer's id and the next sequence number
/// (exactly once) — until its time (or row quota) is up, waits for every publisher confirm and prints
/// a <see cref="ChildReport"/> whose rows are the confirmed ones and whose latencies are publish → confirm per batch.
/// </summary>
public static class ClusterProducerChild
{
    /// <summary>The command-line switch that selects this mode.</summary>
    public const string Mode = "--child-s4";

    /// <summary>Rows per batch (one message).</summary>
    public const int ChunkRows = 1000;

    /// <summary>The table the warm-up writes (never counted).</summary>
    public const string WarmupTable = "bench_warmup";

    private const int WarmupBatches = 10;

    /// <summary>Runs the child; <paramref name="args"/> are its options after <see cref="Mode"/>.</summary>
    public static async Task<int> RunAsync(ArgReader args, CancellationToken cancellationToken)
    {
        var broker = args.Required("--broker");
        var producerId = args.Required("--producer-id");
        var process = args.Required("--process");
        var duration = TimeSpan.FromSeconds(args.Double("--seconds", 3));
        var quota = args.Long("--rows");
        args.RejectUnknown();

        await using var client = await DocTableClient.ConnectAsync(broker, cancellationToken: cancellationToken);
        await client.Table<SimpleRow>(BenchTable.Name).OpenAsync(cancellationToken);
        await client.Table<SimpleRow>(WarmupTable).OpenAsync(cancellationToken);
        var warmup = new Publisher(client.GrainFactory.GetGrain<ITableGrain>(WarmupTable), producerId + "-warmup", process, null);
        for (var i = 0; i < WarmupBatches; i++) await warmup.PublishAsync(cancellationToken);
        await warmup.ConfirmedAsync(cancellationToken);

        Console.WriteLine(DocTableWayChild.Ready);
        if (Console.ReadLine() != DocTableWayChild.Go) return 3;

        var latency = new LatencyHistogram();
        var publisher = new Publisher(client.GrainFactory.GetGrain<ITableGrain>(BenchTable.Name), producerId, process, latency);
        var budget = new RunContext(duration, "", quota).StartBudget(1);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var started = Stopwatch.GetTimestamp();
        string? error = null;
        long confirmed = 0;
        try
        {
            while (budget.More(publisher.Published)) await publisher.PublishAsync(cancellationToken);
            confirmed = await publisher.ConfirmedAsync(cancellationToken);
        }
        catch (DocTableException e)
        {
            error = $"{process}: {e.GetType().Name}: {e.Message}";
        }
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var report = new ChildReport(confirmed, seconds, cpuSeconds, PeakRss.ReadMb(), latency.Compact(), error);
        Console.WriteLine(ChildProcess.ResultPrefix + JsonSerializer.Serialize(report, BenchJsonContext.Default.ChildReport));
        return 0;
    }

    /// <summary>Publishes numbered batches of one producer and tracks their confirms.</summary>
    private sealed class Publisher(ITableGrain table, string producerId, string process, LatencyHistogram? latency)
    {
        private static readonly string[] Columns = ["process", "number"];
        private readonly List<Task<long>> _confirms = [];
        private long _sequence;

        /// <summary>Rows published so far.</summary>
        public long Published { get; private set; }

        /// <summary>Publishes the next batch (returns once the broker took it; waits only when the client's in-flight window is full).</summary>
        public async Task PublishAsync(CancellationToken cancellationToken)
        {
            var batch = new RowBatch(Columns, ChunkRows);
            for (var i = 0; i < ChunkRows; i++) batch.Rows.Add([process, Published + i]);
            var t0 = Stopwatch.GetTimestamp();
            var result = await table.InsertAsync(batch, new InsertOptions(ProducerId: producerId, Sequence: ++_sequence), cancellationToken);
            Published += ChunkRows;
            _confirms.Add(ConfirmAsync(result.Durable, t0));
        }

        /// <summary>Waits for every confirm; returns the confirmed rows.</summary>
        public async Task<long> ConfirmedAsync(CancellationToken cancellationToken)
            => (await Task.WhenAll(_confirms).WaitAsync(cancellationToken)).Sum();

        private async Task<long> ConfirmAsync(Task durable, long t0)
        {
            await durable;
            if (latency is not null)
                lock (latency) latency.Record(Stopwatch.GetTimestamp() - t0);
            return ChunkRows;
        }
    }
}
