using System.Threading.Channels;
using DocTable.Orleans.Silo.Runtime;
using DocTable.Orleans.Wire;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace DocTable.Orleans.Silo.Cluster;

/// <summary>
/// One table hosted by this silo: a channel consuming the table's mailbox queue (single active
/// consumer, so the broker decides when this silo owns the table). Each delivery is posted to the
/// local table grain at once (so many batches share one commit); acks follow in delivery order, with
/// <c>multiple=true</c>, once each message's write is committed. Requests are answered over direct
/// reply-to after the commit. Undecodable or refused one-way messages are dead-lettered with the
/// reason logged. Releasing the table closes the channel (never a basic.cancel), so the broker hands
/// every unacked message, in order, to the next owner; then the local activation is deactivated so no
/// state it cached outlives its ownership.
/// </summary>
internal sealed class TableSubscription
{
    private readonly string _table;
    private readonly IChannel _channel;
    private readonly GrainRuntime _runtime;
    private readonly ITableGrain _grain;
    private readonly ReplySender _replies;
    private readonly ILogger _logger;
    private readonly Channel<Pending> _pending = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _pump = Task.CompletedTask;
    private int _closing;
    private bool _sawDelivery;

    private TableSubscription(string table, IChannel channel, GrainRuntime runtime, ReplySender replies, ILogger logger)
    {
        _table = table;
        _channel = channel;
        _runtime = runtime;
        _grain = runtime.GetGrain<ITableGrain>(table);
        _replies = replies;
        _logger = logger;
    }

    /// <summary>Completes once the subscription has ended (released, drained or failed) and the grain is deactivated.</summary>
    public Task Released => _released.Task;

    /// <summary>The table.</summary>
    public string Table => _table;

    /// <summary>Opens a channel and starts consuming the table's queue.</summary>
    public static async Task<TableSubscription> StartAsync(IConnection connection, string table, GrainRuntime runtime,
        ReplySender replies, ushort prefetch, ILogger logger, CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var subscription = new TableSubscription(table, channel, runtime, replies, logger);
        try
        {
            await ClusterTopology.DeclareTableAsync(channel, table, cancellationToken).ConfigureAwait(false);
            await channel.BasicQosAsync(0, prefetch, false, cancellationToken).ConfigureAwait(false);
            channel.ChannelShutdownAsync += (_, args) =>
            {
                if (Volatile.Read(ref subscription._closing) == 0)
                    logger.LogInformation("Table {Table}: channel closed ({Reason}); releasing the table", table, args.ReplyText);
                _ = subscription.CloseAsync(graceful: false);
                return Task.CompletedTask;
            };
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += subscription.OnReceivedAsync;
            subscription._pump = Task.Run(subscription.PumpAsync, CancellationToken.None);
            await channel.BasicConsumeAsync(ClusterTopology.TableQueue(table), autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("Table {Table}: subscribed to {Queue}", table, ClusterTopology.TableQueue(table));
            return subscription;
        }
        catch
        {
            await subscription.CloseAsync(graceful: false).ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Gives the table up at once: closes the channel and deactivates the grain.</summary>
    public Task ReleaseAsync() => CloseAsync(graceful: false);

    /// <summary>Graceful stop: takes nothing more, finishes, commits and acks what was taken, then closes.</summary>
    public Task DrainAsync() => CloseAsync(graceful: true);

    private Task OnReceivedAsync(object sender, BasicDeliverEventArgs delivery)
    {
        if (Volatile.Read(ref _closing) != 0) return Task.CompletedTask; // left unacked: redelivered to the next owner
        if (!_sawDelivery)
        {
            _sawDelivery = true;
            _logger.LogInformation("Table {Table}: this silo is the active owner", _table);
        }
        var body = delivery.Body.ToArray();
        var replyTo = delivery.BasicProperties.ReplyTo;
        var correlation = delivery.BasicProperties.CorrelationId;
        Task<Outcome> work;
        try
        {
            work = ExecuteAsync(GrainCall.Decode(body), replyTo, correlation);
        }
        catch (MalformedMessageException e)
        {
            work = Task.FromResult(Outcome.Reject(e.Message));
        }
        if (!_pending.Writer.TryWrite(new Pending(delivery.DeliveryTag, work)))
            _ = work.ContinueWith(t => _ = t.Exception, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    private async Task<Outcome> ExecuteAsync(GrainCall call, string? replyTo, string? correlation)
    {
        object? result;
        try
        {
            // Posts to the grain's mailbox synchronously (the prefetch is below the mailbox size).
            var invocation = TableCallDispatcher.Invoke(_grain, call, CancellationToken.None);
            result = await invocation.ConfigureAwait(false);
            if (result is WriteResult write)
            {
                await write.Durable.ConfigureAwait(false);
                result = new WriteResult(write.Ids, write.Affected, Task.CompletedTask, write.Duplicate);
            }
        }
        catch (DocTableException e) when (e is not SiloUnavailableException)
        {
            if (string.IsNullOrEmpty(replyTo)) return Outcome.Reject($"{call.Method} refused: {e.Code}: {e.Message}");
            await _replies.SendAsync(replyTo, correlation, GrainReply.Failure(e.Code, e.Message)).ConfigureAwait(false);
            return Outcome.Ack;
        }
        catch (Exception e)
        {
            return Outcome.Release(e);
        }
        if (!string.IsNullOrEmpty(replyTo))
            await _replies.SendAsync(replyTo, correlation, GrainReply.Success(result)).ConfigureAwait(false);
        return Outcome.Ack;
    }

    /// <summary>Acks in delivery order as writes commit; dead-letters refused messages; gives up on failures.</summary>
    private async Task PumpAsync()
    {
        ulong lastOk = 0;
        var reader = _pending.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                while (reader.TryRead(out var pending))
                {
                    var outcome = await pending.Work.ConfigureAwait(false);
                    if (outcome.Kind == OutcomeKind.Ack)
                    {
                        lastOk = pending.Tag;
                    }
                    else
                    {
                        if (lastOk > 0) await _channel.BasicAckAsync(lastOk, multiple: true).ConfigureAwait(false);
                        lastOk = 0;
                        if (outcome.Kind == OutcomeKind.Release)
                        {
                            _logger.LogError(outcome.Error, "Table {Table}: a write failed; releasing the table so its messages are redelivered", _table);
                            _ = CloseAsync(graceful: false);
                            return;
                        }
                        _logger.LogWarning("Table {Table}: dead-lettered message {Tag}: {Reason}", _table, pending.Tag, outcome.Reason);
                        await _channel.BasicNackAsync(pending.Tag, multiple: false, requeue: false).ConfigureAwait(false);
                    }
                    if (lastOk > 0 && !(reader.TryPeek(out var next) && next.Work.IsCompleted))
                    {
                        await _channel.BasicAckAsync(lastOk, multiple: true).ConfigureAwait(false);
                        lastOk = 0;
                    }
                }
            }
        }
        catch (Exception e) when (e is RabbitMQ.Client.Exceptions.AlreadyClosedException or OperationCanceledException or ObjectDisposedException)
        {
            // The channel went away; what was not acked is redelivered to the next owner.
        }
    }

    private async Task CloseAsync(bool graceful)
    {
        if (Interlocked.Exchange(ref _closing, 1) != 0)
        {
            await _released.Task.ConfigureAwait(false);
            return;
        }
        try
        {
            _pending.Writer.TryComplete();
            if (graceful) await _pump.ConfigureAwait(false);
            try
            {
                if (_channel.IsOpen) await _channel.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogDebug(e, "Table {Table}: closing the channel failed", _table);
            }
            _channel.Dispose();
            await _pump.ConfigureAwait(false);
            await _runtime.DeactivateAsync<ITableGrain>(_table).ConfigureAwait(false);
            _logger.LogInformation("Table {Table}: released{How}", _table, graceful ? " after draining" : "");
        }
        catch (Exception e)
        {
            _logger.LogError(e, "Table {Table}: releasing failed", _table);
        }
        finally
        {
            _released.TrySetResult();
        }
    }

    private readonly record struct Pending(ulong Tag, Task<Outcome> Work);

    private enum OutcomeKind { Ack, Reject, Release }

    private sealed record Outcome(OutcomeKind Kind, string? Reason = null, Exception? Error = null)
    {
        public static readonly Outcome Ack = new(OutcomeKind.Ack);
        public static Outcome Reject(string reason) => new(OutcomeKind.Reject, reason);
        public static Outcome Release(Exception error) => new(OutcomeKind.Release, Error: error);
    }
}
