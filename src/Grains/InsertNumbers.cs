namespace DocTable.Orleans.Grains;

/// <summary>
/// Runs <see cref="InsertNumbersJob"/>: the seed notebook's rows in batches that carry the producer's
/// id and sequence numbers, several in flight. It first asks the table which batches it already holds
/// for this producer and sends only the others, so a rerun after a crash (of a silo, or of the
/// producer's process) resumes where the table stands: nothing lost, nothing twice. It reports the
/// rows of each confirmed batch as progress (<see cref="ProducerContext.Progress"/>).
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
        var inFlight = new Queue<(Task<WriteResult> Call, int Rows)>();
        long written = 0, confirmed = 0;
        for (long sequence = 1; sequence <= batches; sequence++)
        {
            if (stored.Holds(sequence)) continue;
            if (inFlight.Count >= args.InFlight) await ConfirmOldestAsync();
            var first = (sequence - 1) * args.ChunkSize;
            var rows = (int)Math.Min(args.ChunkSize, args.Count - first);
            var batch = new RowBatch(SeedTable.Columns, rows);
            for (var i = 0; i < rows; i++) batch.Rows.Add([args.Process, args.From + first + i]);
            inFlight.Enqueue((table.InsertAsync(batch, new InsertOptions(ProducerId: context.ProducerId, Sequence: sequence), cancellationToken), rows));
        }
        while (inFlight.Count > 0) await ConfirmOldestAsync();
        return written;

        // A batch the table confirmed (stored now, or found stored before: a duplicate) is progress.
        async Task ConfirmOldestAsync()
        {
            var (call, rows) = inFlight.Dequeue();
            written += (await call).Affected;
            confirmed += rows;
            context.Progress?.Report(confirmed);
        }
    }
}
