namespace DocTable.Orleans.Grains;

/// <summary>
/// Runs <see cref="InsertNumbersJob"/>: the seed notebook's rows in batches that carry the producer's
/// id and sequence numbers, several in flight. It first asks the table which batches it already holds
/// for this producer and sends only the others, so a rerun after a crash (of a silo, or of the
/// producer's process) resumes where the table stands: nothing lost, nothing twice.
/// </summary>
public sealed class InsertNumbers : IProducerJob<InsertNumbersJob>
{
    /// <inheritdoc/>
    public async Task<long> RunAsync(InsertNumbersJob args, ProducerContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Count < 0 || args.ChunkSize < 1 || args.InFlight < 1)
            throw new ArgumentOutOfRangeException(nameof(args), "Count must not be negative, ChunkSize and InFlight must be at least 1.");
        var table = context.GrainFactory.GetGrain<ITableGrain>(args.Table);
        await table.OpenAsync(SeedTable.Schema, cancellationToken);
        var stored = await table.GetProducerProgressAsync(context.ProducerId, cancellationToken);
        var batches = (args.Count + args.ChunkSize - 1) / args.ChunkSize;
        var inFlight = new Queue<Task<WriteResult>>();
        long written = 0;
        for (long sequence = 1; sequence <= batches; sequence++)
        {
            if (stored.Holds(sequence)) continue;
            if (inFlight.Count >= args.InFlight) written += (await inFlight.Dequeue()).Affected;
            var first = (sequence - 1) * args.ChunkSize;
            var rows = (int)Math.Min(args.ChunkSize, args.Count - first);
            var batch = new RowBatch(SeedTable.Columns, rows);
            for (var i = 0; i < rows; i++) batch.Rows.Add([args.Process, args.From + first + i]);
            inFlight.Enqueue(table.InsertAsync(batch, new InsertOptions(ProducerId: context.ProducerId, Sequence: sequence), cancellationToken));
        }
        while (inFlight.Count > 0) written += (await inFlight.Dequeue()).Affected;
        return written;
    }
}
