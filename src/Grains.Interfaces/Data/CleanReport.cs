namespace DocTable.Orleans;

/// <summary>A row whose file-backed column names a file that is not in the table's folder.</summary>
/// <param name="RowId">The row's rowid (its id).</param>
/// <param name="Column">The file column.</param>
/// <param name="FileName">The missing file's name.</param>
public sealed record MissingFile(long RowId, string Column, string FileName);

/// <summary>What reconciling a table's file folder with its rows found.</summary>
/// <param name="RemovedFiles">Files no row refers to (left by a crash, a rollback, a replace or a cascade), now deleted; includes those removed when the table was opened.</param>
/// <param name="MissingFiles">Rows whose file is missing (reported, not changed).</param>
/// <param name="FilesKept">Files that rows refer to.</param>
public sealed record CleanReport(string[] RemovedFiles, MissingFile[] MissingFiles, long FilesKept);
