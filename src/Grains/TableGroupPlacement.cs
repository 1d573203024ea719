using Orleans.Placement;

namespace DocTable.Orleans.Grains;

/// <summary>
/// Places a table grain only on a live silo of the failover group that holds the table's file (as the
/// table catalog records it); a new table goes to the least-loaded group. The director is
/// registered by <c>AddDocTable</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("doctable.TableGroupPlacement")]
public sealed class TableGroupPlacement : PlacementStrategy
{
    /// <summary>The one instance.</summary>
    public static TableGroupPlacement Instance { get; } = new();
}

/// <summary>Marks a grain class to be placed by <see cref="TableGroupPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class TableGroupPlacementAttribute() : PlacementAttribute(TableGroupPlacement.Instance);
