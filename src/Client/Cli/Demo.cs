using Spectre.Console;

namespace DocTable.Orleans.Client.Cli;

/// <summary>
/// <c>doctable demo</c>: DocTable's "Concurrent Database Connections" notebook, both versions —
/// 5 producers inserting 0..99, a verbose queue inserter with chunk size 2 over 5 rows, and 3
/// producers each with its own queue inserter. Each part ends with the row count it checked.
/// </summary>
internal sealed class Demo(IAnsiConsole console, DocTableClient client, TimeSpan delay)
{
    /// <summary>The table the demo makes, as the notebook's.</summary>
    public const string TableName = "tmp_concurrent";

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var db = client.Table<SimpleRow>(TableName);
        var numbers = Enumerable.Range(0, 100).ToArray();
        var ok = true;

        console.Write(new Rule("[bold]1. Distribute(5).MapChunkAsync: 5 producers insert 0..99[/]").LeftJustified());
        await db.DeleteAsync(allRows: true, cancellationToken: cancellationToken);
        await client.Distribute(5).MapChunkAsync(numbers, async (chunk, producer, ct) =>
        {
            var process = ProcessName();
            console.WriteLine($"starting process {process}");
            var table = producer.Table<SimpleRow>(TableName);
            foreach (var number in chunk)
            {
                await table.InsertAsync(new SimpleRow { Process = process, Number = number }, ct);
                if (delay > TimeSpan.Zero) await Task.Delay(delay, ct);
            }
        }, cancellationToken);
        await PrintHeadAsync(db, cancellationToken);
        ok &= await CheckAsync(db, numbers, cancellationToken);

        console.Write(new Rule("[bold]2. A queue inserter with chunk size 2 over 5 rows[/]").LeftJustified());
        await db.DeleteAsync(allRows: true, cancellationToken: cancellationToken);
        await using (var inserter = db.GetQueueInserter(chunkSize: 2, verbose: true))
        {
            for (var i = 0; i < 5; i++) await inserter.InsertAsync(new SimpleRow { Number = i }, cancellationToken);
            await inserter.FlushAsync(cancellationToken); // DocTable's inserter.dump()
        }
        await PrintHeadAsync(db, cancellationToken);
        ok &= await CheckAsync(db, [0, 1, 2, 3, 4], cancellationToken);

        console.Write(new Rule("[bold]3. Distribute(3): each producer with its own queue inserter (chunk size 2)[/]").LeftJustified());
        await db.DeleteAsync(allRows: true, cancellationToken: cancellationToken);
        await client.Distribute(3).MapChunkAsync(numbers, async (chunk, producer, ct) =>
        {
            var process = ProcessName();
            console.WriteLine($"starting process {process}");
            await using var inserter = producer.Table<SimpleRow>(TableName).GetQueueInserter(chunkSize: 2);
            foreach (var number in chunk)
            {
                await inserter.InsertAsync(new SimpleRow { Process = process, Number = number }, ct);
                if (delay > TimeSpan.Zero) await Task.Delay(delay, ct);
            }
        }, cancellationToken);
        await PrintHeadAsync(db, cancellationToken);
        ok &= await CheckAsync(db, numbers, cancellationToken);
        return ok ? 0 : 1;
    }

    private async Task PrintHeadAsync(Table<SimpleRow> db, CancellationToken cancellationToken)
    {
        var head = await db.SelectRawAsync(new SelectQuery(["id", "updated", "process", "number"], Limit: 10), cancellationToken);
        RowPrinter.Print(console, head);
    }

    private async Task<bool> CheckAsync(Table<SimpleRow> db, int[] expected, CancellationToken cancellationToken)
    {
        var count = await db.CountAsync(cancellationToken: cancellationToken);
        var numbers = (await db.SelectAsync(cancellationToken: cancellationToken)).Select(r => r.Number).Order().ToArray();
        var ok = count == expected.Length && numbers.SequenceEqual(expected);
        console.MarkupLine(ok
            ? $"[green]checked: {count} rows, every number exactly once[/]"
            : $"[red]check failed: {count} rows, expected {expected.Length} with every number exactly once[/]");
        return ok;
    }

    private static string ProcessName()
        => string.Concat((char)('A' + Random.Shared.Next(26)), (char)('A' + Random.Shared.Next(26)));
}
