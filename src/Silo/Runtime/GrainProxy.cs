using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;

namespace DocTable.Orleans.Silo.Runtime;

/// <summary>
/// A grain reference: implements a grain interface by posting each call to the activation's mailbox
/// (Orleans generates these; here <see cref="DispatchProxy"/> builds them). Every method of a grain
/// interface returns <see cref="Task"/> or <see cref="Task{T}"/>; a <see cref="CancellationToken"/>
/// argument also cancels the wait for a place in a full mailbox. Each method gets a compiled invoker
/// once, so a call runs no reflection and allocates no closure.
/// </summary>
public class GrainProxy : DispatchProxy
{
    private static readonly ConcurrentDictionary<MethodInfo, Func<GrainProxy, object?[], object>> s_invokers = new();
    private static readonly MethodInfo s_buildTyped = typeof(GrainProxy).GetMethod(nameof(BuildTyped), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly MethodInfo s_asObjectTask = typeof(GrainProxy).GetMethod(nameof(AsObjectTask), BindingFlags.NonPublic | BindingFlags.Static)!;
    private static readonly Task<object?> s_completed = Task.FromResult<object?>(null);

    private GrainRuntime _runtime = null!;
    private Type _interface = null!;
    private string _key = null!;

    internal static TGrain Create<TGrain>(GrainRuntime runtime, string key)
    {
        var proxy = Create<TGrain, GrainProxy>();
        var self = (GrainProxy)(object)proxy!;
        self._runtime = runtime;
        self._interface = typeof(TGrain);
        self._key = key;
        return proxy;
    }

    /// <inheritdoc/>
    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        ArgumentNullException.ThrowIfNull(targetMethod);
        return s_invokers.GetOrAdd(targetMethod, BuildInvoker)(this, args ?? []);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{_interface.Name}/{_key}";

    private static Func<GrainProxy, object?[], object> BuildInvoker(MethodInfo method)
    {
        var returnType = method.ReturnType;
        Type result;
        if (returnType == typeof(Task)) result = typeof(object);
        else if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>)) result = returnType.GetGenericArguments()[0];
        else throw new NotSupportedException($"Grain method {method.DeclaringType?.Name}.{method.Name} must return Task or Task<T>.");
        return (Func<GrainProxy, object?[], object>)s_buildTyped.MakeGenericMethod(result).Invoke(null, [method])!;
    }

    /// <summary>Compiles <c>(grain, args) => ((I)grain).Method((A0)args[0], …)</c> and wraps it in a poster.</summary>
    private static Func<GrainProxy, object?[], object> BuildTyped<T>(MethodInfo method)
    {
        var parameters = method.GetParameters();
        if (parameters.Any(p => p.ParameterType.IsByRef))
            throw new NotSupportedException($"Grain method {method.DeclaringType?.Name}.{method.Name} must not take ref or out parameters.");
        var ctIndex = Array.FindIndex(parameters, p => p.ParameterType == typeof(CancellationToken));

        var grain = Expression.Parameter(typeof(Grain), "grain");
        var args = Expression.Parameter(typeof(object?[]), "args");
        Expression call = Expression.Call(Expression.Convert(grain, method.DeclaringType!), method,
            parameters.Select((p, i) => Expression.Convert(Expression.ArrayIndex(args, Expression.Constant(i)), p.ParameterType)));
        if (method.ReturnType == typeof(Task)) call = Expression.Call(s_asObjectTask, call);
        var invoke = Expression.Lambda<Func<Grain, object?[], Task<T>>>(call, grain, args).Compile();

        return (proxy, values) =>
        {
            var ct = ctIndex >= 0 && values[ctIndex] is CancellationToken token ? token : CancellationToken.None;
            return proxy._runtime.InvokeAsync(proxy._interface, proxy._key, new CallItem<T>(invoke, values, ct), ct);
        };
    }

    /// <summary>A <see cref="Task"/> as <see cref="Task{T}"/> of null; no allocation when it already succeeded.</summary>
    private static Task<object?> AsObjectTask(Task task) => task.IsCompletedSuccessfully ? s_completed : AwaitAsync(task);

    private static async Task<object?> AwaitAsync(Task task)
    {
        await task.ConfigureAwait(false);
        return null;
    }
}
