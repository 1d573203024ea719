using System.Text.Json;
using DocTable.Orleans.Silo.Cluster;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace DocTable.Orleans.Client.Cli;

/// <summary>
/// The fleet's work queue <c>doctable.jobs</c> (durable quorum queue): <c>doctable produce --jobs</c>
/// puts one <see cref="FleetJob"/> per producer on it and follows the workers' reports over direct
/// reply-to; <c>doctable worker</c> processes take jobs one at a time and ack each only when all its
/// batches are confirmed, so a job whose worker dies is taken again by another worker — and inserts
/// nothing twice, because its batches keep their producer id and sequence numbers.
/// </summary>
internal static class JobQueue
{
    public const string Name = "doctable.jobs";

    public static Task DeclareAsync(IChannel channel, CancellationToken cancellationToken)
        => channel.QueueDeclareAsync(Name, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" }, cancellationToken: cancellationToken);

    /// <summary>Publishes the jobs and waits for every one to report done; <paramref name="done"/> follows the confirmed rows. Returns the jobs that failed.</summary>
    public static async Task<int> RunAsync(string broker, List<FleetJob> jobs, long[] done, Func<Task, Task> showProgress, CancellationToken cancellationToken)
    {
        var connector = new BrokerConnector(BrokerAddress.Resolve(broker), "doctable-produce", NullLogger.Instance);
        await using var connection = await connector.ConnectOnceAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
        await DeclareAsync(channel, cancellationToken);
        var index = jobs.Select((job, i) => (job.ProducerId, i)).ToDictionary(x => x.ProducerId, x => x.i);
        var finished = new HashSet<string>();
        var failed = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionShutdownAsync += (_, args) =>
        {
            all.TrySetException(new SiloUnavailableException($"Lost the broker connection ({args.ReplyText}); the jobs go on on the workers — check the table with `doctable count --broker …`."));
            return Task.CompletedTask;
        };
        var replies = new AsyncEventingBasicConsumer(channel);
        replies.ReceivedAsync += (_, delivery) =>
        {
            var report = JsonSerializer.Deserialize(delivery.Body.Span, FleetJsonContext.Default.FleetJobReport);
            if (report is null || !index.TryGetValue(report.ProducerId, out var i)) return Task.CompletedTask;
            Interlocked.Exchange(ref done[i], report.Rows);
            if (report.Error is not null) Console.Error.WriteLine($"error: job {report.ProducerId}: {report.Error}");
            lock (finished)
            {
                if (report.Done && finished.Add(report.ProducerId) && report.Error is not null) failed++;
                if (finished.Count == jobs.Count) all.TrySetResult();
            }
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(ClusterTopology.ReplyTo, autoAck: true, replies, cancellationToken);
        foreach (var job in jobs)
        {
            var properties = new BasicProperties { Persistent = true, ReplyTo = ClusterTopology.ReplyTo, CorrelationId = job.ProducerId };
            await channel.BasicPublishAsync("", Name, false, properties, JsonSerializer.SerializeToUtf8Bytes(job, FleetJsonContext.Default.FleetJob), cancellationToken);
        }
        if (jobs.Count == 0) all.TrySetResult();
        await showProgress(all.Task.WaitAsync(cancellationToken));
        return failed;
    }
}
