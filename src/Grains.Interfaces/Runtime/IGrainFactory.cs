namespace DocTable.Orleans;

/// <summary>Gives references to grains. Calling a reference activates the grain on first use.</summary>
public interface IGrainFactory
{
    /// <summary>Returns a reference to the grain of interface <typeparamref name="TGrain"/> with key <paramref name="key"/>.</summary>
    TGrain GetGrain<TGrain>(string key) where TGrain : IGrainWithStringKey;
}
