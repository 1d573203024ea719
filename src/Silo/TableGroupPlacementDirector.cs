using DocTable.Orleans.Grains;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace DocTable.Orleans;

/// <summary>
/// Places a table grain on a live silo of the failover group the catalog gives for the table; a table
/// no group holds yet is claimed for the group holding the fewest tables among the groups with a live
/// silo. When no silo of the table's group is up, placement waits a little (a restarting silo, or the
/// metadata of a silo that just joined) and then fails with <see cref="TableUnavailableException"/>.
/// </summary>
internal sealed class TableGroupPlacementDirector(
    ITableCatalog catalog,
    IOptions<DocTableOptions> options,
    IServiceProvider services,
    ILogger<TableGroupPlacementDirector> logger) : IPlacementDirector
{
    /// <summary>The silo metadata key holding a silo's group.</summary>
    public const string GroupKey = "doctable.group";

    private static readonly TimeSpan WaitForGroup = TimeSpan.FromSeconds(3);
    private readonly ISiloMetadataCache? _metadata = services.GetService(typeof(ISiloMetadataCache)) as ISiloMetadataCache;

    public async Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var table = target.GrainIdentity.Key.ToString()!;
        // An illegal name opens no file (the grain answers every call with InvalidIdentifierException): claim nothing for it.
        if (!Identifier.IsValid(table)) return context.LocalSilo;
        var deadline = DateTime.UtcNow + WaitForGroup;
        while (true)
        {
            var silos = GroupsOf(context.GetCompatibleSilos(target), context.LocalSilo);
            string group;
            try
            {
                group = await catalog.GroupOfAsync(table) ?? await ClaimAsync(table, silos);
            }
            catch (Exception e) when (e is not DocTableException)
            {
                throw new TableUnavailableException($"Table '{table}' cannot be placed: {catalog.Location} could not be read ({e.GetType().Name}: {e.Message}). Is the cluster's Redis running?");
            }
            var candidates = silos.Where(s => s.Group == group).Select(s => s.Silo).ToArray();
            if (candidates.Length > 0)
                return candidates.Contains(context.LocalSilo) ? context.LocalSilo : candidates[Random.Shared.Next(candidates.Length)];
            if (DateTime.UtcNow >= deadline)
                throw new TableUnavailableException(
                    $"Table '{table}' lives in failover group '{group}', and no silo of that group is running (live groups: {Describe(silos)}). " +
                    $"Start a silo with --group {group} on that group's data directory; the table's file is never opened elsewhere.");
            await Task.Delay(100);
        }
    }

    /// <summary>Claims a new table for the least-loaded group that has a live silo (this silo's group when none is known).</summary>
    private async Task<string> ClaimAsync(string table, List<(SiloAddress Silo, string Group)> silos)
    {
        var live = silos.Select(s => s.Group).Distinct().ToList();
        if (live.Count == 0) live.Add(options.Value.Group);
        var load = await catalog.TablesPerGroupAsync();
        var fewest = live.Min(g => load.GetValueOrDefault(g));
        var choices = live.Where(g => load.GetValueOrDefault(g) == fewest).ToArray();
        var holder = await catalog.ClaimAsync(table, choices[Random.Shared.Next(choices.Length)]);
        logger.LogInformation("Table {Table} belongs to failover group {Group}", table, holder);
        return holder;
    }

    /// <summary>The group of each silo whose group is known (this silo's own always is).</summary>
    private List<(SiloAddress Silo, string Group)> GroupsOf(SiloAddress[] compatible, SiloAddress local)
    {
        var result = new List<(SiloAddress, string)>(compatible.Length);
        foreach (var silo in compatible)
        {
            if (silo.Equals(local)) result.Add((silo, options.Value.Group));
            else if (_metadata?.GetSiloMetadata(silo).Metadata.TryGetValue(GroupKey, out var group) == true) result.Add((silo, group));
        }
        return result;
    }

    private static string Describe(List<(SiloAddress Silo, string Group)> silos)
        => silos.Count == 0 ? "none" : string.Join(", ", silos.GroupBy(s => s.Group).Select(g => $"'{g.Key}' ({g.Count()} silo{(g.Count() > 1 ? "s" : "")})"));
}
