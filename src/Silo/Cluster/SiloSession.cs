using System.Text.Json;
using DocTable.Orleans.Silo.Runtime;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace DocTable.Orleans.Silo.Cluster;

/// <summary>
/// What a silo does over one broker connection: follows the registry stream from its start (tables and
/// the silos of its group), announces itself, answers placement requests, and subscribes to the
/// tables of its failover group — at once to those it ranks first for among its group's silos
/// (rendezvous hashing), after the standby delay to the others, so every table has a standby and the
/// tables spread over the silos. When a silo that outranks it for a table appears, it hands that
/// table over (closes the channel) and re-subscribes as a standby later. Ends when the connection
/// drops (the host reconnects and starts a new session) or when the silo stops (drains first).
/// </summary>
internal sealed class SiloSession
{
    private readonly IConnection _connection;
    private readonly GrainRuntime _runtime;
    private readonly ClusterSiloOptions _options;
    private readonly string _siloId;
    private readonly ILogger _logger;
    private readonly object _gate = new();
    private readonly HashSet<string> _silos = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _tables = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TableSubscription> _subscriptions = new(StringComparer.Ordinal);
    private readonly HashSet<string> _scheduled = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskCompletionSource<string>> _waiters = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource _caughtUp = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _ended = new();
    private IChannel? _registryWriter;
    private readonly SemaphoreSlim _registryGate = new(1, 1);
    private ReplySender? _replies;

    public SiloSession(IConnection connection, GrainRuntime runtime, ClusterSiloOptions options, string siloId, ILogger logger)
    {
        _connection = connection;
        _runtime = runtime;
        _options = options;
        _siloId = siloId;
        _logger = logger;
        _silos.Add(siloId);
    }

    /// <summary>Runs until the connection drops (returns) or <paramref name="stopping"/> fires (drains, then returns).</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        _connection.ConnectionShutdownAsync += (_, args) =>
        {
            _lost.TrySetResult();
            return Task.CompletedTask;
        };
        try
        {
            await using (var setup = await _connection.CreateChannelAsync(cancellationToken: stopping).ConfigureAwait(false))
                await ClusterTopology.DeclareSharedAsync(setup, stopping).ConfigureAwait(false);
            _registryWriter = await _connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null),
                stopping).ConfigureAwait(false);
            _replies = new ReplySender(await _connection.CreateChannelAsync(cancellationToken: stopping).ConfigureAwait(false), _logger);

            await FollowRegistryAsync(stopping).ConfigureAwait(false);
            await AppendAsync(new RegistryRecord(RegistryKind.Silo, _options.Group, Silo: _siloId), stopping).ConfigureAwait(false);
            await Task.WhenAny(_caughtUp.Task, _lost.Task, Task.Delay(Timeout.Infinite, stopping)).ConfigureAwait(false);
            if (_caughtUp.Task.IsCompleted)
            {
                _logger.LogInformation("Silo {Silo} (group {Group}) caught up with the registry: {Tables} tables, {Silos} silos in its group",
                    _siloId, _options.Group, _tables.Count, _silos.Count);
                await AdoptLocalTablesAsync(stopping).ConfigureAwait(false);
                await ConsumePlacementAsync(stopping).ConfigureAwait(false);
                await Task.WhenAny(_lost.Task, Task.Delay(Timeout.Infinite, stopping)).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
        finally
        {
            await EndAsync(graceful: stopping.IsCancellationRequested && !_lost.Task.IsCompleted).ConfigureAwait(false);
        }
    }

    private async Task EndAsync(bool graceful)
    {
        await _ended.CancelAsync().ConfigureAwait(false);
        List<TableSubscription> subscriptions;
        lock (_gate)
        {
            subscriptions = [.. _subscriptions.Values];
            _subscriptions.Clear();
        }
        if (graceful)
        {
            _logger.LogInformation("Silo {Silo} draining {Count} tables", _siloId, subscriptions.Count);
            await Task.WhenAll(subscriptions.Select(s => s.DrainAsync())).ConfigureAwait(false);
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await AppendAsync(new RegistryRecord(RegistryKind.SiloLeft, _options.Group, Silo: _siloId), timeout.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _logger.LogDebug(e, "Could not record that silo {Silo} left", _siloId);
            }
        }
        else
        {
            await Task.WhenAll(subscriptions.Select(s => s.ReleaseAsync())).ConfigureAwait(false);
        }
    }

    /// <summary>A channel whose unexpected closure ends the session (the host then reconnects and starts afresh).</summary>
    private async Task<IChannel> OpenWatchedChannelAsync(string purpose, CancellationToken cancellationToken)
    {
        var channel = await _connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        channel.ChannelShutdownAsync += (_, args) =>
        {
            if (args.Initiator != ShutdownInitiator.Application && !_ended.IsCancellationRequested)
            {
                _logger.LogWarning("The {Purpose} channel closed ({Reason}); restarting the session", purpose, args.ReplyText);
                _lost.TrySetResult();
            }
            return Task.CompletedTask;
        };
        return channel;
    }

    // ---------------------------------------------------------------- registry

    private async Task FollowRegistryAsync(CancellationToken cancellationToken)
    {
        var channel = await OpenWatchedChannelAsync("registry", cancellationToken).ConfigureAwait(false);
        await channel.BasicQosAsync(0, 500, false, cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            if (RegistryRecord.TryDecode(delivery.Body.Span) is { } record) Apply(record);
            else _logger.LogWarning("Skipped an undecodable registry record ({Bytes} bytes)", delivery.Body.Length);
            await channel.BasicAckAsync(delivery.DeliveryTag, false).ConfigureAwait(false);
        };
        await channel.BasicConsumeAsync(ClusterTopology.Registry, autoAck: false, consumerTag: "", noLocal: false, exclusive: false,
            arguments: new Dictionary<string, object?> { ["x-stream-offset"] = "first" }, consumer, cancellationToken).ConfigureAwait(false);
    }

    private void Apply(RegistryRecord record)
    {
        lock (_gate)
        {
            switch (record.Kind)
            {
                case RegistryKind.Silo when record.Silo is { } silo && record.Group == _options.Group:
                    var isNew = _silos.Add(silo);
                    if (silo == _siloId && !_caughtUp.Task.IsCompleted)
                    {
                        _caughtUp.TrySetResult();
                        foreach (var (table, group) in _tables)
                            if (group == _options.Group) Schedule(table, standby: false);
                    }
                    else if (silo != _siloId && _caughtUp.Task.IsCompleted)
                    {
                        // New, or back (restarted with the same id, or reconnected): it takes back the tables it ranks above us for.
                        _logger.LogInformation("Silo {Silo} {Joined} group {Group}", silo, isNew ? "joined" : "is back in", record.Group);
                        HandOverTo(silo);
                    }
                    break;
                case RegistryKind.SiloLeft when record.Silo is { } left && left != _siloId && record.Group == _options.Group:
                    _silos.Remove(left);
                    break;
                case RegistryKind.Table when record.Table is { } table && !_tables.ContainsKey(table):
                    _tables[table] = record.Group;
                    if (_waiters.Remove(table, out var waiter)) waiter.TrySetResult(record.Group);
                    if (_caughtUp.Task.IsCompleted && record.Group == _options.Group) Schedule(table, standby: false);
                    break;
            }
        }
    }

    private async Task AppendAsync(RegistryRecord record, CancellationToken cancellationToken)
    {
        await _registryGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await _registryWriter!.BasicPublishAsync("", ClusterTopology.Registry, true,
                new BasicProperties { Persistent = true }, record.Encode(), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _registryGate.Release();
        }
    }

    /// <summary>Registers table files found in the data directory that the registry does not know (first record wins).</summary>
    private async Task AdoptLocalTablesAsync(CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_options.Data)) return;
        foreach (var file in Directory.EnumerateFiles(_options.Data, "*.db"))
        {
            var table = Path.GetFileNameWithoutExtension(file);
            bool known;
            lock (_gate) known = _tables.ContainsKey(table);
            if (known || !Identifier.IsValid(table)) continue;
            _logger.LogInformation("Registering table {Table} found in {Data} for group {Group}", table, _options.Data, _options.Group);
            await AppendAsync(new RegistryRecord(RegistryKind.Table, _options.Group, Table: table), cancellationToken).ConfigureAwait(false);
        }
    }

    // ---------------------------------------------------------------- ownership

    /// <summary>Subscribes to a table of this group: now if this silo ranks first, else after the standby delay.</summary>
    private void Schedule(string table, bool standby)
    {
        if (_subscriptions.ContainsKey(table) || !_scheduled.Add(table)) return;
        var delay = standby || !Rendezvous.RanksFirst(_siloId, table, _silos) ? _options.StandbyDelay : TimeSpan.Zero;
        _ = SubscribeAfterAsync(table, delay);
    }

    private async Task SubscribeAfterAsync(string table, TimeSpan delay)
    {
        try
        {
            if (delay > TimeSpan.Zero) await Task.Delay(delay, _ended.Token).ConfigureAwait(false);
            var subscription = await TableSubscription.StartAsync(_connection, table, _runtime, _replies!, _options.Prefetch, _logger, _ended.Token).ConfigureAwait(false);
            lock (_gate)
            {
                _scheduled.Remove(table);
                if (_ended.IsCancellationRequested) { _ = subscription.ReleaseAsync(); return; }
                _subscriptions[table] = subscription;
            }
            _ = subscription.Released.ContinueWith(_ => OnReleased(subscription), TaskScheduler.Default);
        }
        catch (Exception e) when (e is OperationCanceledException || _ended.IsCancellationRequested)
        {
            lock (_gate) _scheduled.Remove(table);
        }
        catch (Exception e)
        {
            _logger.LogWarning("Table {Table}: subscribing failed: {Error}", table, e.Message);
            lock (_gate)
            {
                _scheduled.Remove(table);
                if (!_ended.IsCancellationRequested) Schedule(table, standby: true);
            }
        }
    }

    /// <summary>A subscription ended on its own (channel closed, write failure): subscribe again as a standby.</summary>
    private void OnReleased(TableSubscription subscription)
    {
        lock (_gate)
        {
            if (!_subscriptions.TryGetValue(subscription.Table, out var current) || current != subscription) return;
            _subscriptions.Remove(subscription.Table);
            if (!_ended.IsCancellationRequested) Schedule(subscription.Table, standby: true);
        }
    }

    /// <summary>A silo of this group appeared: hand it the tables it outranks this silo for.</summary>
    private void HandOverTo(string silo)
    {
        foreach (var (table, subscription) in _subscriptions.ToList())
        {
            if (!Rendezvous.Outranks(silo, _siloId, table)) continue;
            _logger.LogInformation("Table {Table}: handing over to silo {Silo}, which ranks first", table, silo);
            _subscriptions.Remove(table);
            _scheduled.Add(table);
            _ = subscription.ReleaseAsync().ContinueWith(_ => SubscribeAfterAsync(table, _options.StandbyDelay), TaskScheduler.Default);
        }
    }

    // ---------------------------------------------------------------- placement

    private async Task ConsumePlacementAsync(CancellationToken cancellationToken)
    {
        var channel = await OpenWatchedChannelAsync("placement", cancellationToken).ConfigureAwait(false);
        await channel.BasicQosAsync(0, 4, false, cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            var replyTo = delivery.BasicProperties.ReplyTo;
            var correlation = delivery.BasicProperties.CorrelationId;
            PlacementReply reply;
            try
            {
                var request = JsonSerializer.Deserialize(delivery.Body.Span, ClusterJsonContext.Default.PlacementRequest)
                    ?? throw new MalformedMessageException("Empty placement request.");
                reply = await PlaceAsync(request).ConfigureAwait(false);
            }
            catch (Exception e) when (e is JsonException or DocTableException)
            {
                var error = e as DocTableException ?? new MalformedMessageException("The placement request is not valid JSON: " + e.Message);
                reply = new PlacementReply(null, error.Code, error.Message);
            }
            if (!string.IsNullOrEmpty(replyTo))
                await _replies!.SendAsync(replyTo, correlation, JsonSerializer.SerializeToUtf8Bytes(reply, ClusterJsonContext.Default.PlacementReply)).ConfigureAwait(false);
            await channel.BasicAckAsync(delivery.DeliveryTag, false).ConfigureAwait(false);
        };
        await channel.BasicConsumeAsync(ClusterTopology.Placement, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Looks a table up; places a new one in this silo's group when asked to create it (the first registry record wins).</summary>
    private async Task<PlacementReply> PlaceAsync(PlacementRequest request)
    {
        var table = Identifier.Validate(request.Table, "table");
        TaskCompletionSource<string> waiter;
        lock (_gate)
        {
            if (_tables.TryGetValue(table, out var group)) return new PlacementReply(group);
            if (!request.Create)
            {
                var missing = new UnknownTableException($"Table '{table}' does not exist in the cluster; open it with a row type to create it.");
                return new PlacementReply(null, missing.Code, missing.Message);
            }
            if (!_waiters.TryGetValue(table, out waiter!))
                _waiters[table] = waiter = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        await using (var channel = await _connection.CreateChannelAsync(cancellationToken: _ended.Token).ConfigureAwait(false))
            await ClusterTopology.DeclareTableAsync(channel, table, _ended.Token).ConfigureAwait(false);
        await AppendAsync(new RegistryRecord(RegistryKind.Table, _options.Group, Table: table), _ended.Token).ConfigureAwait(false);
        var placed = await waiter.Task.WaitAsync(TimeSpan.FromSeconds(30), _ended.Token).ConfigureAwait(false);
        _logger.LogInformation("Placed table {Table} in group {Group}", table, placed);
        return new PlacementReply(placed);
    }
}
