using System.Collections.Concurrent;
using System.Reflection;
using DocTable.Orleans.Silo.Cluster;
using DocTable.Orleans.Wire;

namespace DocTable.Orleans.Client.Cluster;

/// <summary>
/// A remote <see cref="ITableGrain"/> reference: every method call becomes a <see cref="GrainCall"/>
/// message on the table's queue, answered by whichever silo owns the table — generic over the
/// interface (a method added to <c>ITableGrain</c> travels without code here). The first call asks
/// the silos where the table lives (creating it only for <c>OpenAsync</c> with a schema).
/// <para>
/// Inserts: a batch whose <see cref="InsertOptions"/> carry a producer id and sequence is one-way (the
/// producer's fast path): the result comes back once the message is published, with no ids,
/// <c>Affected</c> = the batch size, and <see cref="WriteResult.Durable"/> = the broker's confirm.
/// Any other insert is a request: the connection stamps its own producer id and next sequence number
/// (so a republished copy is skipped), and the silo answers after the commit with the real ids.
/// </para>
/// </summary>
public class RemoteTableGrain : DispatchProxy
{
    private static readonly ConcurrentDictionary<MethodInfo, Func<RemoteTableGrain, object?[], object>> s_invokers = new();
    private static readonly MethodInfo s_typed = typeof(RemoteTableGrain).GetMethod(nameof(CallTyped), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private ClusterConnection _connection = null!;
    private string _table = null!;
    private string _queue = null!;
    private Task? _located;
    private readonly object _gate = new();

    internal static ITableGrain Create(ClusterConnection connection, string table)
    {
        var proxy = Create<ITableGrain, RemoteTableGrain>();
        var self = (RemoteTableGrain)(object)proxy;
        self._connection = connection;
        self._table = Identifier.Validate(table, "table");
        self._queue = ClusterTopology.TableQueue(table);
        return proxy;
    }

    /// <inheritdoc/>
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return s_invokers.GetOrAdd(targetMethod, Build)(this, args ?? []);
    }

    /// <inheritdoc/>
    public override string ToString() => $"remote ITableGrain/{_table}";

    private static Func<RemoteTableGrain, object?[], object> Build(MethodInfo method)
    {
        if (method.Name == TableCallDispatcher.Insert)
            return (self, args) => self.InsertAsync((RowBatch)args[0]!, (InsertOptions)args[1]!, Token(args));
        if (method.ReturnType == typeof(Task))
            return (self, args) => self.CallAsync(method, args);
        if (method.ReturnType.IsGenericType && method.ReturnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            var typed = s_typed.MakeGenericMethod(method.ReturnType.GetGenericArguments()[0]);
            return (self, args) => typed.Invoke(self, [method, args])!;
        }
        throw new NotSupportedException($"Grain method {method.Name} must return Task or Task<T>.");
    }

    private static CancellationToken Token(object?[] args)
        => args.OfType<CancellationToken>().FirstOrDefault();

    private async Task<T> CallTyped<T>(MethodInfo method, object?[] args) => (T)(await CallAsync(method, args).ConfigureAwait(false))!;

    private async Task<object?> CallAsync(MethodInfo method, object?[] args)
    {
        var ct = Token(args);
        var create = method.Name == nameof(ITableGrain.OpenAsync) && args.Length > 0 && args[0] is TableSchema;
        await LocateAsync(create, ct).ConfigureAwait(false);
        var call = new GrainCall(method.Name, args.Where(a => a is not CancellationToken).ToArray());
        var answer = await _connection.RequestAsync(_queue, call.Encode(), false, $"{method.Name} on table '{_table}'", ct).ConfigureAwait(false);
        var result = GrainReply.Decode(answer);
        if (result is null && method.ReturnType.IsGenericType && method.ReturnType.GetGenericArguments()[0].IsValueType)
            throw new MalformedMessageException($"The answer to {method.Name} carries no value.");
        return result;
    }

    private async Task<WriteResult> InsertAsync(RowBatch batch, InsertOptions options, CancellationToken ct)
    {
        await LocateAsync(false, ct).ConfigureAwait(false);
        if (options.ProducerId is not null)
        {
            var body = new GrainCall(TableCallDispatcher.Insert, [batch, options]).Encode();
            var message = await _connection.PublishAsync(_queue, body, false, ct).ConfigureAwait(false);
            return new WriteResult([], batch.Count, message.Confirmed.Task);
        }
        var request = new GrainCall(TableCallDispatcher.Insert, [batch, options], _connection.ProducerId).Encode();
        var answer = await _connection.RequestAsync(_queue, request, true, $"an insert into table '{_table}'", ct).ConfigureAwait(false);
        var result = GrainReply.Decode(answer) as WriteResult ?? throw new MalformedMessageException("The answer to an insert carries no write result.");
        // A copy republished after a reconnect finds its first copy already stored: the rows are there
        // exactly once, but their ids are not known any more (reported as 0, as for skipped rows).
        return result.Duplicate && result.Ids.Length != batch.Count ? new WriteResult(new long[batch.Count], 0, Task.CompletedTask, duplicate: true) : result;
    }

    private Task LocateAsync(bool create, CancellationToken ct)
    {
        lock (_gate)
        {
            if (_located is { IsCompletedSuccessfully: true }) return _located;
            if (!create && _located is { IsCompleted: false }) return _located;
            return _located = _connection.LocateAsync(_table, create, ct);
        }
    }
}
