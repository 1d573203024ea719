using DocTable.Orleans.Grains;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace DocTable.Orleans;

/// <summary>
/// At startup of a cluster silo, registers in the table catalog every table whose file is already in
/// the silo's data directory (made in embedded mode, by <c>doctable serve</c>, or before the catalog was
/// wiped) for the silo's failover group, first claim winning as always: an entry the catalog holds is
/// never changed. A table the catalog gives to another group although its file is here is reported
/// with a warning naming both groups; this silo never opens that file.
/// It runs at the <c>ApplicationServices</c> stage, before the silo joins the cluster as active
/// (<c>BecomeActive</c>): until then no table is placed on it, so by the time any silo can see it, the
/// tables of its directory belong to its group. A catalog that cannot be written stops the startup —
/// the silo would otherwise let its tables be claimed elsewhere.
/// </summary>
internal sealed class ExistingTablesRegistration(ITableCatalog catalog, IOptions<DocTableOptions> options, ILogger<ExistingTablesRegistration> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    public void Participate(ISiloLifecycle lifecycle)
        => lifecycle.Subscribe(nameof(ExistingTablesRegistration), ServiceLifecycleStage.ApplicationServices, RegisterAsync);

    /// <summary>Registers the tables of the data directory; returns the group holding each.</summary>
    internal async Task<IReadOnlyDictionary<string, string>> RegisterAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var directory = Path.GetFullPath(settings.DataDirectory);
        var tables = settings.ExistingTables();
        if (tables.Length == 0) return new Dictionary<string, string>();
        IReadOnlyDictionary<string, string> holders;
        try
        {
            holders = await catalog.ClaimAllAsync(tables, settings.Group).WaitAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException(
                $"The {tables.Length} table(s) in {directory} could not be registered in the table catalog for failover group '{settings.Group}' ({e.Message}). " +
                "Is the cluster's Redis running? The silo does not start without it: another group could claim these tables and create empty files for them.", e);
        }
        var elsewhere = 0;
        foreach (var table in tables)
        {
            var holder = holders[table];
            if (holder == settings.Group) continue;
            elsewhere++;
            logger.LogWarning(
                "Table {Table} has a file here ({Path}), but the table catalog gives it to failover group '{Holder}', not to this silo's group '{Group}': " +
                "calls to the table go to that group, this silo never opens the file here, and neither the file nor the catalog entry is changed. " +
                "To add this file's rows to the cluster's table: {Remedy}",
                table, Path.GetFullPath(settings.TablePath(table)), holder, settings.Group,
                $"doctable export --data {directory} --table {table} --out {table}.csv, then doctable import --cluster ADDRESS --table {table} {table}.csv");
        }
        logger.LogInformation("Table catalog: the {Count} table file(s) in {Directory} registered for failover group '{Group}'; {Own} held by it, {Elsewhere} by another group",
            tables.Length, directory, settings.Group, tables.Length - elsewhere, elsewhere);
        return holders;
    }
}
