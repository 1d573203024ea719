namespace DocTable.Orleans.Grains;

/// <summary>
/// Which failover group holds each table. An entry, once written, never changes: the first group to
/// claim a table keeps it, so every silo may cache what it has read.
/// </summary>
public interface ITableCatalog
{
    /// <summary>The group holding <paramref name="table"/>, or null when no group holds it yet.</summary>
    Task<string?> GroupOfAsync(string table);

    /// <summary>Gives <paramref name="table"/> to <paramref name="group"/> unless a group holds it already; returns the group that holds it.</summary>
    Task<string> ClaimAsync(string table, string group);

    /// <summary>How many tables each group holds.</summary>
    Task<IReadOnlyDictionary<string, int>> TablesPerGroupAsync();

    /// <summary>
    /// Gives each of <paramref name="tables"/> to <paramref name="group"/> unless a group holds it
    /// already (an entry is never overwritten); returns the group that holds each. A silo registers the
    /// table files it finds in its data directory with this at startup.
    /// </summary>
    async Task<IReadOnlyDictionary<string, string>> ClaimAllAsync(IReadOnlyCollection<string> tables, string group)
    {
        ArgumentNullException.ThrowIfNull(tables);
        var holders = new Dictionary<string, string>(tables.Count, StringComparer.Ordinal);
        foreach (var table in tables) holders[table] = await ClaimAsync(table, group);
        return holders;
    }

    /// <summary>Where the catalog is kept, in words for error messages (e.g. "the table catalog in the cluster's Redis at redis://host:6379/id").</summary>
    string Location => "the table catalog";
}

/// <summary>
/// The catalog of a silo that is alone in its cluster or shares one data directory with every other
/// silo: every table belongs to this silo's group.
/// </summary>
public sealed class SingleGroupCatalog(Microsoft.Extensions.Options.IOptions<DocTableOptions> options) : ITableCatalog
{
    private readonly string _group = options.Value.Group;

    /// <inheritdoc/>
    public Task<string?> GroupOfAsync(string table) => Task.FromResult<string?>(_group);

    /// <inheritdoc/>
    public Task<string> ClaimAsync(string table, string group) => Task.FromResult(_group);

    /// <inheritdoc/>
    public Task<IReadOnlyDictionary<string, int>> TablesPerGroupAsync()
        => Task.FromResult<IReadOnlyDictionary<string, int>>(new Dictionary<string, int> { [_group] = 0 });
}
