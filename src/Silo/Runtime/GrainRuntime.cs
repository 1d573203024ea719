using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace DocTable.Orleans.Silo.Runtime;

/// <summary>
/// The in-process grain runtime: a directory of activations (exactly one per interface and key),
/// activation on first call, idle collection and a graceful, staged shutdown. It is the
/// <see cref="IGrainFactory"/> of the embedded silo; grain references are proxies that post calls
/// to an activation's mailbox.
/// </summary>
public sealed class GrainRuntime : IGrainFactory, IAsyncDisposable
{
    private readonly ConcurrentDictionary<(Type, string), GrainActivation> _directory = new();
    private readonly ConcurrentDictionary<(Type, string), object> _references = new();
    private readonly Dictionary<Type, Type> _implementations;
    private readonly IServiceProvider _services;
    private readonly GrainRuntimeOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly Timer _collector;
    private volatile bool _stopping;
    private Task? _stopTask;

    /// <summary>Creates a runtime that builds grains from <paramref name="services"/>.</summary>
    /// <param name="implementations">Grain interface to implementation class.</param>
    /// <param name="services">Services grain constructors may ask for.</param>
    /// <param name="options">Mailbox size and idle timings.</param>
    public GrainRuntime(IReadOnlyDictionary<Type, Type> implementations, IServiceProvider services, GrainRuntimeOptions? options = null)
    {
        _implementations = new Dictionary<Type, Type>(implementations);
        foreach (var (iface, impl) in _implementations)
        {
            if (!iface.IsInterface || !typeof(IGrainWithStringKey).IsAssignableFrom(iface))
                throw new ArgumentException($"{iface.Name} is not a grain interface (an interface deriving from IGrainWithStringKey).");
            if (!iface.IsAssignableFrom(impl) || !typeof(Grain).IsAssignableFrom(impl))
                throw new ArgumentException($"{impl.Name} must derive from Grain and implement {iface.Name}.");
        }
        _services = services;
        _options = options ?? new GrainRuntimeOptions();
        _loggerFactory = services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<GrainRuntime>();
        _collector = new Timer(_ => CollectIdle(), null, _options.CollectionInterval, _options.CollectionInterval);
    }

    /// <summary>Number of live activations.</summary>
    public int ActivationCount => _directory.Count;

    /// <summary>True once <see cref="StopAsync"/> began.</summary>
    public bool IsStopping => _stopping;

    /// <inheritdoc/>
    public TGrain GetGrain<TGrain>(string key) where TGrain : IGrainWithStringKey
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!_implementations.ContainsKey(typeof(TGrain)))
        {
            if (_options.RemoteReferences?.Invoke(typeof(TGrain), key) is TGrain remote) return remote;
            throw new ArgumentException($"No grain class is registered for {typeof(TGrain).Name}.");
        }
        return (TGrain)_references.GetOrAdd((typeof(TGrain), key), k => GrainProxy.Create<TGrain>(this, k.Item2));
    }

    /// <summary>
    /// Runs <paramref name="call"/> as a turn of the activation for (<paramref name="grainInterface"/>,
    /// <paramref name="key"/>), activating it if needed. Waits while its mailbox is full.
    /// </summary>
    internal Task<T> InvokeAsync<T>(Type grainInterface, string key, Func<Grain, Task<T>> call, CancellationToken cancellationToken)
        => InvokeAsync(grainInterface, key, new CallItem<T>(call, cancellationToken), cancellationToken);

    /// <summary>
    /// Posts <paramref name="item"/> to the activation for (<paramref name="grainInterface"/>, <paramref name="key"/>).
    /// When the mailbox has room the call's own task is returned as is (no async frame per call);
    /// errors come back as a faulted task, never thrown.
    /// </summary>
    internal Task<T> InvokeAsync<T>(Type grainInterface, string key, CallItem<T> item, CancellationToken cancellationToken)
    {
        try
        {
            var caller = GrainActivation.Current;
            if (_stopping && caller is null)
                throw new SiloUnavailableException("The silo is shutting down and takes no new calls.");
            if (caller is not null && caller.GrainInterface == grainInterface && caller.Key == key)
                throw new InvalidOperationException($"Grain {grainInterface.Name}/{key} called itself; a non-reentrant grain would deadlock.");

            var external = caller is null;
            var activation = GetOrActivate(grainInterface, key, external);
            var posted = activation.TryEnqueueAsync(item, cancellationToken);
            if (posted.IsCompletedSuccessfully && posted.Result) return item.Result;
            return PostSlowlyAsync(grainInterface, key, external, item, activation, posted, cancellationToken);
        }
        catch (Exception e)
        {
            return Task.FromException<T>(e);
        }
    }

    /// <summary>The mailbox was full or the activation closing: wait for room, or for a fresh activation.</summary>
    private async Task<T> PostSlowlyAsync<T>(Type grainInterface, string key, bool external, CallItem<T> item, GrainActivation activation, ValueTask<bool> posted, CancellationToken cancellationToken)
    {
        while (!await posted.ConfigureAwait(false))
        {
            // The activation is closing: wait until it has left the directory, then use a new one.
            await activation.Stopped.WaitAsync(cancellationToken).ConfigureAwait(false);
            activation = GetOrActivate(grainInterface, key, external);
            posted = activation.TryEnqueueAsync(item, cancellationToken);
        }
        return await item.Result.ConfigureAwait(false);
    }

    private GrainActivation GetOrActivate(Type grainInterface, string key, bool external)
    {
        if (_directory.TryGetValue((grainInterface, key), out var existing)) return existing;
        lock (_directory)
        {
            if (_directory.TryGetValue((grainInterface, key), out existing)) return existing;
            // Checked under the lock StopAsync takes: an outside call that raced with the start of
            // shutdown must not create an activation the shutdown would never stop.
            if (_stopping && external)
                throw new SiloUnavailableException("The silo is shutting down and takes no new calls.");
            var grain = (Grain)ActivatorUtilities.CreateInstance(_services, _implementations[grainInterface]);
            var activation = new GrainActivation(this, grainInterface, key, grain, _options.MailboxCapacity,
                _loggerFactory.CreateLogger(grain.GetType()));
            _directory[(grainInterface, key)] = activation;
            activation.Start();
            return activation;
        }
    }

    internal void Remove(GrainActivation activation)
        => _directory.TryRemove(new KeyValuePair<(Type, string), GrainActivation>((activation.GrainInterface, activation.Key), activation));

    private void CollectIdle()
    {
        var cutoff = Environment.TickCount64 - (long)_options.IdleTimeout.TotalMilliseconds;
        foreach (var activation in _directory.Values)
            if (activation.LastActivity < cutoff && activation.PendingCalls == 0)
                activation.TryPost(new DeactivateItem(DeactivationReason.Idle));
    }

    /// <summary>
    /// Deactivates the activation of (<typeparamref name="TGrain"/>, <paramref name="key"/>) if there is
    /// one: it finishes the calls already in its mailbox, runs <see cref="Grain.OnDeactivateAsync"/> and
    /// leaves the directory. The next call activates it afresh (a cluster silo does this when it stops
    /// owning a table, so no state cached by the old activation survives).
    /// </summary>
    public async Task DeactivateAsync<TGrain>(string key) where TGrain : IGrainWithStringKey
    {
        if (!_directory.TryGetValue((typeof(TGrain), key), out var activation)) return;
        await activation.TryEnqueueAsync(new DeactivateItem(DeactivationReason.Requested), CancellationToken.None).ConfigureAwait(false);
        await activation.Stopped.ConfigureAwait(false);
    }

    /// <summary>
    /// Deactivates every activation whose last call ended more than <paramref name="idleFor"/> ago
    /// (all of them with <see cref="TimeSpan.Zero"/>) and waits until they are gone. An activation
    /// that receives a call meanwhile stays (as on idle collection). Returns how many deactivated.
    /// </summary>
    public async Task<int> DeactivateIdleAsync(TimeSpan idleFor, CancellationToken cancellationToken = default)
    {
        var cutoff = Environment.TickCount64 - (long)idleFor.TotalMilliseconds;
        var requests = new List<Task<bool>>();
        foreach (var activation in _directory.Values.Where(a => a.LastActivity <= cutoff))
        {
            var request = new DeactivateItem(DeactivationReason.Idle);
            if (activation.TryPost(request)) requests.Add(request.Outcome);
        }
        var outcomes = await Task.WhenAll(requests).WaitAsync(cancellationToken).ConfigureAwait(false);
        return outcomes.Count(deactivated => deactivated);
    }

    /// <summary>
    /// Graceful shutdown: takes no new calls from outside grains, then deactivates grains stage by
    /// stage (<see cref="Grain.ShutdownStage"/>, lowest first), each finishing its queued calls and
    /// running <see cref="Grain.OnDeactivateAsync"/> (queue inserters flush, tables commit and close).
    /// </summary>
    public Task StopAsync()
    {
        lock (_directory)
        {
            _stopping = true;
            return _stopTask ??= StopCoreAsync();
        }
    }

    private async Task StopCoreAsync()
    {
        await _collector.DisposeAsync().ConfigureAwait(false);
        while (!_directory.IsEmpty)
        {
            var stage = _directory.Values.Min(a => a.Grain.ShutdownStage);
            var batch = _directory.Values.Where(a => a.Grain.ShutdownStage == stage).ToList();
            foreach (var a in batch)
                await a.TryEnqueueAsync(new DeactivateItem(DeactivationReason.Shutdown), CancellationToken.None).ConfigureAwait(false);
            await Task.WhenAll(batch.Select(a => a.Stopped)).ConfigureAwait(false);
        }
        _logger.LogDebug("Grain runtime stopped");
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
