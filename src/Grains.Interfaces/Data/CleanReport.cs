namespace DocTable.Orleans;

/// <summary>A row whose file-backed column names a file that is not in the table's folder.</summary>
/// <param name="RowId">The row's rowid (its id).</param>
/// <param name="Column">The file column.</param>
/// <param name="FileName">The missing file's name.</param>
[GenerateSerializer, Immutable, Alias("doctable.MissingFile")]
public sealed record MissingFile([property: Id(0)] long RowId, [property: Id(1)] string Column, [property: Id(2)] string FileName);

/// <summary>What reconciling a table's file folder with its rows found.</summary>
/// <param name="RemovedFiles">Files no row refers to (left by a crash, a rollback, a replace or a cascade), now deleted; includes those removed when the table was opened.</param>
/// <param name="MissingFiles">Rows whose file is missing (reported, not changed).</param>
/// <param name="FilesKept">Files that rows refer to.</param>
[GenerateSerializer, Immutable, Alias("doctable.CleanReport")]
public sealed record CleanReport([property: Id(0)] string[] RemovedFiles, [property: Id(1)] MissingFile[] MissingFiles, [property: Id(2)] long FilesKept);
