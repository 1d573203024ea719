namespace DocTable.Orleans.Grains.Storage;

/// <summary>
/// SQLite rolled the whole open transaction back by itself (a full disk, an I/O error): every write
/// in it is lost, not only the one that failed. <see cref="Cause"/> is the typed error to report to each.
/// </summary>
internal sealed class TransactionLostException(Exception cause) : Exception(cause.Message, cause)
{
    /// <summary>The typed error every writer of the lost transaction is told.</summary>
    public Exception Cause { get; } = cause;
}
