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
}
