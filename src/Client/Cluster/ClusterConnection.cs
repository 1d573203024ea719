using System.Collections.Concurrent;
using System.Text.Json;
using DocTable.Orleans.Silo.Cluster;
using DocTable.Orleans.Wire;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace DocTable.Orleans.Client.Cluster;

/// <summary>
/// A client's link to the cluster: one connection, one ordered publishing channel with publisher
/// confirms (tracked here by delivery tag, so publishes go out strictly in order and never wait on
/// each other's confirms), direct reply-to answers consumed on that same channel, and a bounded
/// number of unsettled messages (back-pressure). When the connection drops it reconnects with bounded
/// backoff and republishes every unsettled message in the original order with the same producer
/// sequence numbers, so the table grains skip what they already stored.
/// </summary>
internal sealed class ClusterConnection : IAsyncDisposable
{
    private readonly BrokerConnector _connector;
    private readonly ClusterClientOptions _options;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _publishLock = new(1, 1);
    private readonly SemaphoreSlim _adminLock = new(1, 1);
    private readonly SemaphoreSlim _window;
    private readonly object _sync = new();
    private readonly LinkedList<Outgoing> _unsettled = new();
    private readonly Dictionary<ulong, Outgoing> _byTag = [];
    private readonly ConcurrentDictionary<string, Outgoing> _requests = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task> _declared = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, ITableGrain> _tables = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _disposed = new();
    private IConnection? _connection;
    private IChannel? _channel;
    private IChannel? _admin;
    private long _sequence;
    private int _reconnecting;

    private ClusterConnection(Uri broker, ClusterClientOptions options, ILogger logger)
    {
        _options = options;
        _logger = logger;
        _window = new SemaphoreSlim(Math.Max(1, options.MaxInFlight));
        ProducerId = "client-" + Guid.NewGuid().ToString("N")[..16];
        _connector = new BrokerConnector(broker, "doctable-client " + ProducerId, logger, options.MaxReconnectDelay);
    }

    /// <summary>The producer id stamped on inserts that do not bring their own.</summary>
    public string ProducerId { get; }

    /// <summary>How long a request waits for its answer.</summary>
    public TimeSpan CallTimeout => _options.CallTimeout;

    /// <summary>Connects (retrying until the call timeout) and opens the channels.</summary>
    public static async Task<ClusterConnection> ConnectAsync(Uri broker, ClusterClientOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var connection = new ClusterConnection(broker, options, logger);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.CallTimeout);
        try
        {
            await connection.OpenAsync(await connection._connector.ConnectAsync(timeout.Token).ConfigureAwait(false), timeout.Token).ConfigureAwait(false);
            return connection;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new GrainCallTimeoutException($"Could not connect to the broker at {connection._connector.SafeAddress} within {options.CallTimeout.TotalSeconds:0.#} s; is it running and are the credentials right?");
        }
    }

    /// <summary>The remote reference to table <paramref name="table"/>.</summary>
    public ITableGrain Table(string table) => _tables.GetOrAdd(table, t => RemoteTableGrain.Create(this, t));

    /// <summary>Publishes a one-way message; the returned task completes once it is handed to the broker, its <see cref="Outgoing.Confirmed"/> on the confirm.</summary>
    public async Task<Outgoing> PublishAsync(string routingKey, byte[] body, bool stampSequence, CancellationToken cancellationToken)
    {
        var message = new Outgoing(routingKey, body, stampSequence, expectsReply: false, expiration: null);
        await SendAsync(message, cancellationToken).ConfigureAwait(false);
        return message;
    }

    /// <summary>
    /// Sends a request and waits for its answer. Fails with <see cref="GrainCallTimeoutException"/>
    /// when nothing answers within the call timeout (the request expires in its queue too).
    /// </summary>
    public async Task<byte[]> RequestAsync(string routingKey, byte[] body, bool stampSequence, string what, CancellationToken cancellationToken)
    {
        var message = new Outgoing(routingKey, body, stampSequence, expectsReply: true, _options.CallTimeout);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.CallTimeout);
        try
        {
            await SendAsync(message, timeout.Token).ConfigureAwait(false);
            return await message.Reply!.Task.WaitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new GrainCallTimeoutException(
                $"No silo answered {what} within {_options.CallTimeout.TotalSeconds:0.#} s. Is a silo running for the table's failover group (doctable silo --broker …)?");
        }
        finally
        {
            Settle(message);
        }
    }

    /// <summary>Asks the silos where a table lives, placing it in a group when <paramref name="create"/>; throws the silo's typed error.</summary>
    public async Task LocateAsync(string table, bool create, CancellationToken cancellationToken)
    {
        var request = JsonSerializer.SerializeToUtf8Bytes(new PlacementRequest(table, create), ClusterJsonContext.Default.PlacementRequest);
        var answer = await RequestAsync(ClusterTopology.Placement, request, false, $"the placement of table '{table}'", cancellationToken).ConfigureAwait(false);
        var reply = JsonSerializer.Deserialize(answer, ClusterJsonContext.Default.PlacementReply)
            ?? throw new MalformedMessageException("Empty placement reply.");
        if (reply.ErrorCode is { } code) throw DocTableException.FromCode(code, reply.Error ?? code);
        await DeclareTableAsync(table, cancellationToken).ConfigureAwait(false);
    }

    private Task DeclareTableAsync(string table, CancellationToken cancellationToken)
    {
        var task = _declared.GetOrAdd(table, t => DeclareCoreAsync(t, cancellationToken));
        if (task.IsFaulted || task.IsCanceled) _declared.TryRemove(new KeyValuePair<string, Task>(table, task));
        return task;
    }

    private async Task DeclareCoreAsync(string table, CancellationToken cancellationToken)
    {
        await _adminLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var admin = _admin ?? throw new SiloUnavailableException("The broker connection is down; retry once it is back.");
            await ClusterTopology.DeclareTableAsync(admin, table, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _adminLock.Release();
        }
    }

    private async Task SendAsync(Outgoing message, CancellationToken cancellationToken)
    {
        await _window.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _publishLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _window.Release();
            throw;
        }
        try
        {
            if (message.StampSequence)
            {
                GrainCall.StampSequence(message.Body, ++_sequence);
                message.Sequenced = true;
            }
            lock (_sync) message.Node = _unsettled.AddLast(message);
            if (message.CorrelationId is { } id) _requests[id] = message;
            await PublishLockedAsync(message).ConfigureAwait(false);
        }
        finally
        {
            _publishLock.Release();
        }
    }

    /// <summary>Publishes on the current channel (caller holds the publish lock). A failure leaves the message for the republish after reconnecting.</summary>
    private async Task PublishLockedAsync(Outgoing message)
    {
        var channel = _channel;
        if (channel is null || !channel.IsOpen) return;
        try
        {
            var tag = await channel.GetNextPublishSequenceNumberAsync().ConfigureAwait(false);
            lock (_sync) _byTag[tag] = message;
            var properties = new BasicProperties
            {
                Persistent = true,
                CorrelationId = message.CorrelationId,
                ReplyTo = message.CorrelationId is null ? null : ClusterTopology.ReplyTo,
                Expiration = message.Expiration,
            };
            await channel.BasicPublishAsync("", message.RoutingKey, false, properties, message.Body).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !_disposed.IsCancellationRequested)
        {
            _logger.LogDebug("Publish failed ({Error}); it is republished after reconnecting", e.Message);
            BeginReconnect();
        }
    }

    /// <summary>Forgets a message: confirmed (one-way), answered, timed out or cancelled (request).</summary>
    private void Settle(Outgoing message)
    {
        lock (_sync)
        {
            if (message.Node is null) return;
            _unsettled.Remove(message.Node);
            message.Node = null;
        }
        if (message.CorrelationId is { } id) _requests.TryRemove(id, out _);
        _window.Release();
    }

    private async Task OpenAsync(IConnection connection, CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: false), cancellationToken).ConfigureAwait(false);
        channel.BasicAcksAsync += (_, args) => OnConfirm(channel, args.DeliveryTag, args.Multiple, null);
        channel.BasicNacksAsync += (_, args) => OnConfirm(channel, args.DeliveryTag, args.Multiple, "the broker refused the message (nack)");
        channel.ChannelShutdownAsync += (_, args) =>
        {
            if (args.Initiator != ShutdownInitiator.Application) BeginReconnect();
            return Task.CompletedTask;
        };
        var replies = new AsyncEventingBasicConsumer(channel);
        replies.ReceivedAsync += (_, delivery) =>
        {
            if (delivery.BasicProperties.CorrelationId is { } id && _requests.TryGetValue(id, out var request))
                request.Reply!.TrySetResult(delivery.Body.ToArray());
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(ClusterTopology.ReplyTo, autoAck: true, replies, cancellationToken).ConfigureAwait(false);
        var admin = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        admin.ChannelShutdownAsync += (_, args) =>
        {
            if (args.Initiator != ShutdownInitiator.Application) BeginReconnect();
            return Task.CompletedTask;
        };
        connection.ConnectionShutdownAsync += (_, _) =>
        {
            BeginReconnect();
            return Task.CompletedTask;
        };
        _connection = connection;
        _channel = channel;
        _admin = admin;
    }

    private Task OnConfirm(IChannel channel, ulong tag, bool multiple, string? refusal)
    {
        List<Outgoing> done = [];
        lock (_sync)
        {
            if (channel != _channel) return Task.CompletedTask;
            if (multiple)
            {
                foreach (var key in _byTag.Keys.Where(k => k <= tag).ToList())
                {
                    done.Add(_byTag[key]);
                    _byTag.Remove(key);
                }
            }
            else if (_byTag.Remove(tag, out var single))
            {
                done.Add(single);
            }
        }
        foreach (var message in done)
        {
            if (refusal is null) message.Confirmed.TrySetResult();
            else message.Confirmed.TrySetException(new SiloUnavailableException($"The broker did not take a message for {message.RoutingKey}: {refusal}; nothing was written for it."));
            if (message.Reply is null) Settle(message);
            else if (refusal is not null) message.Reply.TrySetException(new SiloUnavailableException($"The broker did not take the request for {message.RoutingKey} ({refusal})."));
        }
        return Task.CompletedTask;
    }

    private void BeginReconnect()
    {
        if (_disposed.IsCancellationRequested || Interlocked.Exchange(ref _reconnecting, 1) != 0) return;
        _ = Task.Run(ReconnectAsync);
    }

    /// <summary>Opens a new connection and republishes every unsettled message in order; new publishes wait meanwhile.</summary>
    private async Task ReconnectAsync()
    {
        var token = _disposed.Token;
        try
        {
            await _publishLock.WaitAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        var retry = false;
        try
        {
            _logger.LogWarning("Broker connection lost; reconnecting to {Broker}", _connector.SafeAddress);
            var old = _connection;
            lock (_sync)
            {
                _channel = null;
                _admin = null;
                _byTag.Clear();
            }
            _declared.Clear();
            try { old?.Dispose(); } catch (Exception e) { _logger.LogDebug(e, "Disposing the old connection failed"); }
            var connection = await _connector.ConnectAsync(token).ConfigureAwait(false);
            await OpenAsync(connection, token).ConfigureAwait(false);
            Volatile.Write(ref _reconnecting, 0);
            List<Outgoing> pending;
            lock (_sync) pending = [.. _unsettled];
            _logger.LogInformation("Reconnected to {Broker}; republishing {Count} unsettled messages", _connector.SafeAddress, pending.Count);
            foreach (var message in pending) await PublishLockedAsync(message).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _logger.LogWarning("Reconnecting failed: {Error}; trying again", e.Message);
            retry = true;
        }
        finally
        {
            _publishLock.Release();
        }
        if (retry)
        {
            Volatile.Write(ref _reconnecting, 0);
            BeginReconnect();
        }
    }

    /// <summary>Waits (up to the call timeout) until every one-way message is confirmed, then closes.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested) return;
        var deadline = Environment.TickCount64 + (long)_options.CallTimeout.TotalMilliseconds;
        while (Environment.TickCount64 < deadline)
        {
            Task? wait;
            lock (_sync) wait = _unsettled.FirstOrDefault(m => m.Reply is null)?.Confirmed.Task;
            if (wait is null) break;
            try { await wait.WaitAsync(TimeSpan.FromMilliseconds(Math.Max(1, deadline - Environment.TickCount64))).ConfigureAwait(false); }
            catch (Exception) { break; }
        }
        await _disposed.CancelAsync().ConfigureAwait(false);
        try
        {
            if (_connection is { IsOpen: true } connection)
                await connection.CloseAsync(200, "client closed", TimeSpan.FromSeconds(5), false, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _logger.LogDebug(e, "Closing the broker connection failed");
        }
        _connection?.Dispose();
    }
}
