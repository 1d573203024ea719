using System.Collections.Concurrent;
using System.Reflection;

namespace DocTable.Orleans.Silo.Runtime;

/// <summary>
/// A grain reference: implements a grain interface by posting each call to the activation's mailbox
/// (Orleans generates these; here <see cref="DispatchProxy"/> builds them). Every method of a grain
/// interface returns <see cref="Task"/> or <see cref="Task{T}"/>; a <see cref="CancellationToken"/>
/// argument also cancels the wait for a place in a full mailbox.
/// </summary>
public class GrainProxy : DispatchProxy
{
    private static readonly ConcurrentDictionary<MethodInfo, Func<GrainProxy, object?[], object>> s_invokers = new();
    private static readonly MethodInfo s_invokeTyped = typeof(GrainProxy).GetMethod(nameof(InvokeTyped), BindingFlags.NonPublic | BindingFlags.Static)!;

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
        var ctIndex = Array.FindIndex(method.GetParameters(), p => p.ParameterType == typeof(CancellationToken));
        var returnType = method.ReturnType;
        if (returnType == typeof(Task))
        {
            return (proxy, args) => proxy.Call<object?>(method, ctIndex, args, async task => { await task.ConfigureAwait(false); return null; });
        }
        if (returnType.IsGenericType && returnType.GetGenericTypeDefinition() == typeof(Task<>))
        {
            var typed = s_invokeTyped.MakeGenericMethod(returnType.GetGenericArguments()[0])
                .CreateDelegate<Func<GrainProxy, MethodInfo, int, object?[], object>>();
            return (proxy, args) => typed(proxy, method, ctIndex, args);
        }
        throw new NotSupportedException($"Grain method {method.DeclaringType?.Name}.{method.Name} must return Task or Task<T>.");
    }

    private static Task<T> InvokeTyped<T>(GrainProxy proxy, MethodInfo method, int ctIndex, object?[] args)
        => proxy.Call(method, ctIndex, args, task => (Task<T>)task);

    private Task<T> Call<T>(MethodInfo method, int ctIndex, object?[] args, Func<Task, Task<T>> adapt)
    {
        var ct = ctIndex >= 0 && args[ctIndex] is CancellationToken token ? token : CancellationToken.None;
        return _runtime.InvokeAsync(_interface, _key,
            grain => adapt((Task)method.Invoke(grain, BindingFlags.DoNotWrapExceptions, null, args, null)!), ct);
    }
}
