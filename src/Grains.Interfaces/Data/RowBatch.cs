namespace DocTable.Orleans;

/// <summary>
/// Rows in column order: every row holds one storage value (long, double, string, byte[] or null)
/// per entry of <see cref="Columns"/>. This is the unit of work of the table grain; it is immutable
/// once sent, so a call inside a silo passes it by reference. Between processes it travels in the
/// compact form of <see cref="RowBatchCodec"/>.
/// </summary>
[Immutable, Alias("doctable.RowBatch")]
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

/// <summary>The result of a select: column names and rows of storage values (sent as <see cref="RowSetCodec"/> writes it).</summary>
[Immutable, Alias("doctable.RowSet")]
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
[GenerateSerializer, Alias("doctable.OnConflict")]
public enum OnConflict
{
    /// <summary>Reject the whole batch with <see cref="ConstraintViolationException"/>.</summary>
    Fail,
    /// <summary>
    /// Skip the rows that conflict on a UNIQUE key (their id is reported as 0). A row that violates a
    /// CHECK, NOT NULL or FOREIGN KEY constraint still rejects the whole batch.
    /// </summary>
    Ignore,
    /// <summary>
    /// Replace the existing rows a new row conflicts with on a UNIQUE key (the new row gets a new id).
    /// A row that violates a CHECK, NOT NULL or FOREIGN KEY constraint still rejects the whole batch.
    /// </summary>
    Replace,
}

/// <summary>Options of one insert call.</summary>
/// <param name="OnConflict">Conflict handling.</param>
/// <param name="ProducerId">Producer that sent the batch, for exactly-once delivery (optional).</param>
/// <param name="Sequence">
/// The producer's sequence number of this batch (1, 2, …). A batch whose (producer, sequence) is
/// already stored is skipped and reported as a duplicate; batches may arrive out of order (several
/// in flight, retries), so every stored number counts, not only the highest.
/// </param>
[GenerateSerializer, Immutable, Alias("doctable.InsertOptions")]
public sealed record InsertOptions(
    [property: Id(0)] OnConflict OnConflict = OnConflict.Fail,
    [property: Id(1)] string? ProducerId = null,
    [property: Id(2)] long Sequence = 0)
{
    /// <summary>Default options: fail on conflict, no producer sequence.</summary>
    public static readonly InsertOptions Default = new();
}

/// <summary>Result of a write, returned once the transaction holding it has committed.</summary>
/// <param name="Ids">Ids of inserted rows, in batch order (0 for rows skipped by <see cref="OnConflict.Ignore"/>); empty for update/delete.</param>
/// <param name="Affected">Rows inserted, updated or deleted.</param>
/// <param name="Duplicate">True when the batch was recognised as already stored (same producer and sequence) and skipped.</param>
[GenerateSerializer, Immutable, Alias("doctable.WriteResult")]
public sealed record WriteResult(
    [property: Id(0)] long[] Ids,
    [property: Id(1)] long Affected,
    [property: Id(2)] bool Duplicate = false);
