using System.Collections.Frozen;
using System.Reflection;
using DocTable.Orleans.Wire;

namespace DocTable.Orleans.Silo.Cluster;

/// <summary>
/// Turns a <see cref="GrainCall"/> into a call on a local <see cref="ITableGrain"/> reference. Inserts
/// take a direct path (no reflection); every other method of the interface is found by name, so new
/// methods need no code here. The call is posted to the grain's mailbox before this returns, so calls
/// keep the order in which their messages arrived.
/// </summary>
public static class TableCallDispatcher
{
    private static readonly FrozenDictionary<string, MethodInfo> s_methods = typeof(ITableGrain).GetMethods()
        .GroupBy(m => m.Name).Where(g => g.Count() == 1).ToFrozenDictionary(g => g.Key, g => g.Single());

    /// <summary>Name of the insert method (the hot path).</summary>
    public const string Insert = nameof(ITableGrain.InsertAsync);

    /// <summary>Posts the call; the task completes with the method's result (null for plain <see cref="Task"/>).</summary>
    public static Task<object?> Invoke(ITableGrain grain, GrainCall call, CancellationToken cancellationToken)
    {
        if (call.Method == Insert)
        {
            if (call.Arguments is not [RowBatch batch, InsertOptions options])
                throw new MalformedMessageException("An insert message must carry a row batch and insert options.");
            if (call.ProducerId is not null)
                options = options with { ProducerId = call.ProducerId, Sequence = call.Sequence };
            return Box(grain.InsertAsync(batch, options, cancellationToken));
        }
        if (!s_methods.TryGetValue(call.Method, out var method))
            throw new MalformedMessageException($"ITableGrain has no method '{call.Method}'.");
        var task = (Task)method.Invoke(grain, BindingFlags.DoNotWrapExceptions, null, call.BindArguments(method, cancellationToken), null)!;
        return ResultOf(task);
    }

    private static async Task<object?> Box<T>(Task<T> task) => await task.ConfigureAwait(false);

    private static async Task<object?> ResultOf(Task task)
    {
        await task.ConfigureAwait(false);
        var type = task.GetType();
        return type.IsGenericType && type.GetProperty(nameof(Task<object>.Result)) is { } result ? result.GetValue(task) : null;
    }
}
