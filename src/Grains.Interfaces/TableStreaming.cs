using System.Runtime.CompilerServices;

namespace DocTable.Orleans;

/// <summary>Reads a table in pages without loading it whole (keyset pagination on rowid).</summary>
public static class TableStreaming
{
    /// <summary>
    /// The rows matching <paramref name="where"/> in rowid order, <paramref name="chunkSize"/> at a
    /// time: each page is one <see cref="ITableGrain.SelectAsync"/> call that starts after the last
    /// rowid of the previous one, so memory holds one page and rows written meanwhile are not skipped twice.
    /// </summary>
    public static async IAsyncEnumerable<RowSet> StreamAsync(this ITableGrain table, int chunkSize, Filter? where = null, string[]? columns = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (chunkSize < 1) throw new ArgumentOutOfRangeException(nameof(chunkSize), chunkSize, "chunkSize must be at least 1.");
        var after = long.MinValue;
        while (true)
        {
            var page = await table.SelectAsync(new SelectQuery(columns, where, Limit: chunkSize, AfterRowId: after), cancellationToken).ConfigureAwait(false);
            if (page.Rows.Count > 0) yield return page;
            if (page.Rows.Count < chunkSize || page.LastRowId is not { } last) yield break;
            after = last;
        }
    }

    /// <summary>
    /// The rows of <paramref name="query"/> in pages of at most <paramref name="pageSize"/> rows, so memory
    /// holds one page whatever the result's size. Without an order, pages are keyset pages in rowid
    /// order (each starts after the last rowid of the one before; the offset is skipped as pages pass).
    /// With an order, pages are <c>LIMIT/OFFSET</c> queries: bounded memory, but each page sorts
    /// again, so a long ordered result costs more the further it goes.
    /// </summary>
    public static async IAsyncEnumerable<RowSet> SelectPagesAsync(this ITableGrain table, SelectQuery query, int pageSize = 1000,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(query);
        if (pageSize < 1) throw new ArgumentOutOfRangeException(nameof(pageSize), pageSize, "pageSize must be at least 1.");
        if (query.Limit is < 0 || query.Offset < 0) throw new InvalidQueryException("Limit and offset must not be negative.");
        var remaining = query.Limit ?? long.MaxValue;
        if (remaining <= pageSize || query.AfterRowId is not null)
        {
            yield return await table.SelectAsync(query, cancellationToken).ConfigureAwait(false);
            yield break;
        }
        if (query.OrderBy is { Length: > 0 })
        {
            for (var offset = (long)query.Offset; remaining > 0; offset += pageSize)
            {
                var size = (int)Math.Min(pageSize, remaining);
                var page = await table.SelectAsync(query with { Limit = size, Offset = checked((int)offset) }, cancellationToken).ConfigureAwait(false);
                if (page.Rows.Count > 0) yield return page;
                if (page.Rows.Count < size) yield break;
                remaining -= page.Rows.Count;
            }
            yield break;
        }
        var skip = (long)query.Offset;
        await foreach (var page in table.StreamAsync(pageSize, query.Where, query.Columns, cancellationToken).ConfigureAwait(false))
        {
            var rows = page.Rows;
            if (skip > 0)
            {
                var skipped = (int)Math.Min(skip, rows.Count);
                rows = rows.GetRange(skipped, rows.Count - skipped);
                skip -= skipped;
            }
            if (rows.Count > remaining) rows = rows.GetRange(0, (int)remaining);
            if (rows.Count == 0) continue;
            yield return new RowSet(page.Columns, rows);
            remaining -= rows.Count;
            if (remaining == 0) yield break;
        }
    }
}
