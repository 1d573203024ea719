using System.CommandLine;
using System.Text.Json;
using DocTable.Orleans.Silo.Cluster;
using Microsoft.Extensions.Logging.Abstractions;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace DocTable.Orleans.Client.Cli;

/// <summary>
/// <c>doctable worker --broker URI</c>: a producer process that takes fleet jobs from the
/// <c>doctable.jobs</c> queue (one at a time), runs each and acks it once all its batches are
/// confirmed. Start any number, on any machine; reconnects by itself. SIGTERM leaves the current job
/// unacked, so another worker takes it (and inserts nothing twice).
/// </summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var broker = new Option<string>("--broker") { Description = "Broker URI, amqp://user:pass@host:5672/", Required = true };
        var command = new Command("worker", "Take producer jobs from the cluster's work queue (doctable produce --jobs) and run them") { broker };
        command.SetAction((parse, ct) => RunAsync(parse.GetValue(broker)!, ct));
        return command;
    }

    private static async Task<int> RunAsync(string broker, CancellationToken cancellationToken)
    {
        try
        {
            var connector = new BrokerConnector(BrokerAddress.Resolve(broker), "doctable-worker", NullLogger.Instance);
            await using var client = await DocTableClient.ConnectAsync(broker, cancellationToken: cancellationToken);
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    await ServeAsync(connector, client, cancellationToken);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is not OperationCanceledException)
                {
                    Console.Error.WriteLine($"worker: {e.Message}; reconnecting");
                    await Task.Delay(1000, cancellationToken);
                }
            }
            return 0;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
        catch (Exception e) when (e is DocTableException or ArgumentException)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
    }

    /// <summary>Consumes jobs over one connection until it drops or the worker stops.</summary>
    private static async Task ServeAsync(BrokerConnector connector, DocTableClient client, CancellationToken cancellationToken)
    {
        await using var connection = await connector.ConnectAsync(cancellationToken);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
        await JobQueue.DeclareAsync(channel, cancellationToken);
        await channel.BasicQosAsync(0, 1, false, cancellationToken);
        var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        connection.ConnectionShutdownAsync += (_, _) =>
        {
            lost.TrySetResult();
            return Task.CompletedTask;
        };
        var reports = new SemaphoreSlim(1, 1);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => RunJobAsync(client, channel, reports, delivery, cancellationToken);
        await channel.BasicConsumeAsync(JobQueue.Name, autoAck: false, consumer, cancellationToken);
        Console.WriteLine("worker: waiting for jobs");
        await lost.Task.WaitAsync(cancellationToken);
    }

    private static async Task RunJobAsync(DocTableClient client, IChannel channel, SemaphoreSlim reports, BasicDeliverEventArgs delivery, CancellationToken cancellationToken)
    {
        var replyTo = delivery.BasicProperties.ReplyTo;
        FleetJob? job = null;
        try { job = JsonSerializer.Deserialize(delivery.Body.Span, FleetJsonContext.Default.FleetJob); } catch (JsonException) { }
        if (job is null)
        {
            Console.Error.WriteLine("worker: dropped a job that is not a fleet job");
            await channel.BasicNackAsync(delivery.DeliveryTag, false, requeue: false);
            return;
        }
        Console.WriteLine($"worker: job {job.ProducerId}: {job.Count} rows into {job.Table}");
        async Task Report(FleetJobReport report)
        {
            if (string.IsNullOrEmpty(replyTo)) return;
            await reports.WaitAsync(CancellationToken.None);
            try
            {
                await channel.BasicPublishAsync("", replyTo, false, new BasicProperties { CorrelationId = job.ProducerId },
                    JsonSerializer.SerializeToUtf8Bytes(report, FleetJsonContext.Default.FleetJobReport));
            }
            catch (Exception e)
            {
                Console.Error.WriteLine($"worker: report for {job.ProducerId} lost: {e.Message}");
            }
            finally
            {
                reports.Release();
            }
        }
        try
        {
            var rows = await FleetCommand.RunJobAsync(client, job, n =>
            {
                Console.WriteLine($"worker: job {job.ProducerId}: {n} rows confirmed");
                _ = Report(new FleetJobReport(job.ProducerId, n, false));
            }, cancellationToken);
            await Report(new FleetJobReport(job.ProducerId, rows, true));
            Console.WriteLine($"worker: job {job.ProducerId} done");
            await channel.BasicAckAsync(delivery.DeliveryTag, false);
        }
        catch (DocTableException e) when (e is not GrainCallTimeoutException and not SiloUnavailableException)
        {
            await Report(new FleetJobReport(job.ProducerId, 0, true, e.Message));
            await channel.BasicAckAsync(delivery.DeliveryTag, false);
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // No silo answered, the broker went away…: give the job back (a rerun inserts nothing twice).
            Console.Error.WriteLine($"worker: job {job.ProducerId} interrupted ({e.Message}); returning it to the queue");
            await Task.Delay(1000, CancellationToken.None);
            try { await channel.BasicNackAsync(delivery.DeliveryTag, false, requeue: true); } catch (Exception) { }
        }
        catch (OperationCanceledException)
        {
            // Stopping: the job stays unacked; closing the channel hands it to another worker.
        }
    }
}
