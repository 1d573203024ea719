using DocTable.Orleans.Silo;
using Xunit;

namespace DocTable.Orleans.Tests.Runtime;

/// <summary>Grain references: results, errors and cancellation come back through the compiled call path unchanged.</summary>
public sealed class GrainProxyTests : IAsyncLifetime
{
    public interface IProbeGrain : IGrainWithStringKey
    {
        Task<string> EchoAsync(string text, int times, CancellationToken cancellationToken = default);
        Task RememberAsync(string text);
        Task<string[]> RecallAsync();
        Task<int> ThrowSynchronouslyAsync();
        Task FailLaterAsync();
        Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken);
    }

    public sealed class ProbeGrain : Grain, IProbeGrain
    {
        private readonly List<string> _seen = [];

        public Task<string> EchoAsync(string text, int times, CancellationToken cancellationToken = default)
            => Task.FromResult(string.Concat(Enumerable.Repeat(text, times)) + "@" + GetPrimaryKeyString());

        public Task RememberAsync(string text)
        {
            _seen.Add(text);
            return Task.CompletedTask;
        }

        public Task<string[]> RecallAsync() => Task.FromResult(_seen.ToArray());

        public Task<int> ThrowSynchronouslyAsync() => throw new InvalidQueryException("bad query");

        public async Task FailLaterAsync()
        {
            await Task.Yield();
            throw new ColumnTypeException("bad type");
        }

        public Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, cancellationToken);
    }

    private EmbeddedSilo _silo = null!;

    public Task InitializeAsync()
    {
        var options = new EmbeddedSiloOptions();
        options.Store.DataDirectory = Path.Combine(Path.GetTempPath(), "doctable-proxy-unused");
        options.ExtraGrains[typeof(IProbeGrain)] = typeof(ProbeGrain);
        _silo = EmbeddedSilo.Start(options);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task ResultsAndArgumentsArriveInOrder()
    {
        var grain = _silo.Runtime.GetGrain<IProbeGrain>("a");
        Assert.Equal("xyxyxy@a", await grain.EchoAsync("xy", 3));

        var calls = Enumerable.Range(0, 500).Select(i => grain.RememberAsync(i.ToString(System.Globalization.CultureInfo.InvariantCulture))).ToArray();
        await Task.WhenAll(calls);
        Assert.Equal(Enumerable.Range(0, 500).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)), await grain.RecallAsync());
    }

    [Fact]
    public async Task ErrorsComeBackTypedAsFaultedTasks()
    {
        var grain = _silo.Runtime.GetGrain<IProbeGrain>("b");
        var sync = grain.ThrowSynchronouslyAsync();
        await Assert.ThrowsAsync<InvalidQueryException>(() => sync);
        await Assert.ThrowsAsync<ColumnTypeException>(() => grain.FailLaterAsync());
        Assert.Equal("z@b", await grain.EchoAsync("z", 1));
    }

    [Fact]
    public async Task ACancelledCallIsCancelled()
    {
        var grain = _silo.Runtime.GetGrain<IProbeGrain>("c");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => grain.WaitAsync(TimeSpan.FromMinutes(5), cts.Token));
        Assert.Equal("ok@c", await grain.EchoAsync("ok", 1));
    }
}
