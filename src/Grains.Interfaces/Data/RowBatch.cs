namespace DocTable.Orleans;

/// <summary>
/// Rows in column order: every row holds one storage value (long, double, string, byte[] or null)
/// per entry of <see cref="Columns"/>. This is the unit of work of the table grain and of the wire.
/// </summary>
public sealed class RowBatch
{
    /// <summary>Creates a batch; <paramref name="rows"/> is taken over, not copied.</summary>
    public RowBatch(string[] columns, List<object?[]> rows)
    {
        Columns = columns;
        Rows = rows;
    }

    /// <summary>Creates an empty batch with room for <paramref name="capacity"/> rows.</summary>
    public RowBatch(string[] columns, int capacity = 0) : this(columns, new List<object?[]>(capacity)) { }

    /// <summary>Column names, one per value of each row.</summary>
    public string[] Columns { get; }

    /// <summary>The rows.</summary>
    public List<object?[]> Rows { get; }

    /// <summary>Number of rows.</summary>
    public int Count => Rows.Count;
}

/// <summary>The result of a select: column names and rows of storage values.</summary>
public sealed class RowSet(string[] columns, List<object?[]> rows)
{
    /// <summary>Column names.</summary>
    public string[] Columns { get; } = columns;

    /// <summary>Rows, one storage value per column.</summary>
    public List<object?[]> Rows { get; } = rows;

    /// <summary>For a keyset page (<see cref="SelectQuery.AfterRowId"/>): the rowid of the last row, or null when the page is empty.</summary>
    public long? LastRowId { get; init; }
}

/// <summary>What to do when an inserted row violates a UNIQUE or PRIMARY KEY constraint.</summary>
public enum OnConflict
{
    /// <summary>Reject the whole batch with <see cref="ConstraintViolationException"/>.</summary>
    Fail,
    /// <summary>Skip the conflicting rows (their id is reported as 0).</summary>
    Ignore,
    /// <summary>Replace the existing rows.</summary>
    Replace,
}

/// <summary>Options of one insert call.</summary>
/// <param name="OnConflict">Conflict handling.</param>
/// <param name="ProducerId">Producer that sent the batch, for exactly-once delivery (optional).</param>
/// <param name="Sequence">The producer's sequence number of this batch; a batch with a number not above the last stored one is skipped.</param>
public sealed record InsertOptions(OnConflict OnConflict = OnConflict.Fail, string? ProducerId = null, long Sequence = 0)
{
    /// <summary>Default options: fail on conflict, no producer sequence.</summary>
    public static readonly InsertOptions Default = new();
}

/// <summary>
/// Result of a write. The value is known when the grain's turn ends; <see cref="Durable"/> completes
/// when the transaction holding the write has committed (group commit), or faults if it could not.
/// </summary>
public sealed class WriteResult
{
    /// <summary>Creates a result.</summary>
    public WriteResult(long[] ids, long affected, Task durable, bool duplicate = false)
    {
        Ids = ids;
        Affected = affected;
        Durable = durable;
        Duplicate = duplicate;
    }

    /// <summary>Ids of inserted rows, in batch order (0 for rows skipped by <see cref="OnConflict.Ignore"/>); empty for update/delete.</summary>
    public long[] Ids { get; }

    /// <summary>Rows inserted, updated or deleted.</summary>
    public long Affected { get; }

    /// <summary>True when the batch was recognised as already stored (same producer and sequence) and skipped.</summary>
    public bool Duplicate { get; }

    /// <summary>Completes once the write is committed to disk.</summary>
    public Task Durable { get; }
}
