namespace DocTable.Orleans.Tests.Parity;

/// <summary>A data directory in a fresh temp folder and an embedded client over it; both removed on dispose.</summary>
internal sealed class TempStore : IAsyncDisposable
{
    private TempStore(string directory, DocTableClient client)
    {
        Directory = directory;
        Client = client;
    }

    public string Directory { get; }

    public DocTableClient Client { get; private set; }

    public static async Task<TempStore> CreateAsync()
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("doctable-parity-").FullName;
        return new TempStore(dir, await DocTableClient.StartEmbeddedAsync(dir));
    }

    /// <summary>Stops the silo (commit, close) and starts a new one over the same directory.</summary>
    public async Task RestartAsync()
    {
        await Client.DisposeAsync();
        Client = await DocTableClient.StartEmbeddedAsync(Directory);
    }

    public async ValueTask DisposeAsync()
    {
        await Client.DisposeAsync();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}

public enum Kind { None, Alpha, Beta }

/// <summary>The row type most parity tests use.</summary>
public sealed class Sample
{
    [IdColumn] public long Id { get; set; }
    public string? Process { get; set; }
    public int Number { get; set; }
    public double? Score { get; set; }
    public bool Flag { get; set; }
    public Kind Kind { get; set; }
    public DateTime? When { get; set; }
}
