namespace DocTable.Orleans;

/// <summary>
/// Base of every error DocTable.Orleans reports on purpose. Every subtype has an Orleans serializer,
/// so a caller in another process receives the same type and message. <see cref="Code"/> names the
/// kind of error in a stable word (for logs and HTTP answers).
/// </summary>
[GenerateSerializer, Alias("doctable.DocTableException")]
public class DocTableException : Exception
{
    /// <summary>Creates an error.</summary>
    public DocTableException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>A stable name of the error kind (the class name without "Exception").</summary>
    public string Code => GetType().Name.Replace("Exception", "", StringComparison.Ordinal);
}

/// <summary>A row type or schema definition is not valid.</summary>
[GenerateSerializer, Alias("doctable.SchemaException")]
public class SchemaException(string message) : DocTableException(message);

/// <summary>The stored table does not match the row type; the message names the column and what differs.</summary>
[GenerateSerializer, Alias("doctable.SchemaMismatchException")]
public sealed class SchemaMismatchException(string message) : SchemaException(message);

/// <summary>The table does not exist (and nothing was given to create it from).</summary>
[GenerateSerializer, Alias("doctable.UnknownTableException")]
public sealed class UnknownTableException(string message) : DocTableException(message);

/// <summary>A column named in a row, filter, order or update does not exist in the table.</summary>
[GenerateSerializer, Alias("doctable.UnknownColumnException")]
public sealed class UnknownColumnException(string message) : DocTableException(message);

/// <summary>A table or column name is not a legal identifier.</summary>
[GenerateSerializer, Alias("doctable.InvalidIdentifierException")]
public sealed class InvalidIdentifierException(string message) : DocTableException(message);

/// <summary>A value has the wrong type for its column.</summary>
[GenerateSerializer, Alias("doctable.ColumnTypeException")]
public sealed class ColumnTypeException(string message) : DocTableException(message);

/// <summary>NULL was given for a column that does not allow it.</summary>
[GenerateSerializer, Alias("doctable.NullValueException")]
public sealed class NullValueException(string message) : DocTableException(message);

/// <summary>A UNIQUE, CHECK or FOREIGN KEY constraint rejected the batch; nothing of it was written.</summary>
[GenerateSerializer, Alias("doctable.ConstraintViolationException")]
public sealed class ConstraintViolationException(string message, Exception? inner = null, string? constraint = null) : DocTableException(message, inner)
{
    /// <summary>The name of the violated table-level constraint, when it is known (null for a column-level UNIQUE).</summary>
    [Id(0)] public string? Constraint { get; private init; } = constraint;
}

/// <summary>A batch or row is malformed (for example a row whose width differs from the batch's columns).</summary>
[GenerateSerializer, Alias("doctable.MalformedMessageException")]
public sealed class MalformedMessageException(string message, Exception? inner = null) : DocTableException(message, inner);

/// <summary>A query is not allowed as given (for example a delete of every row without the explicit flag).</summary>
[GenerateSerializer, Alias("doctable.InvalidQueryException")]
public sealed class InvalidQueryException(string message) : DocTableException(message);

/// <summary>
/// An aggregate's exact result does not fit its type: a SUM of integer values beyond the 64-bit range.
/// The message names the column; nothing was changed. AVG (a double) does not overflow.
/// </summary>
[GenerateSerializer, Alias("doctable.AggregateOverflowException")]
public sealed class AggregateOverflowException(string message) : DocTableException(message);

/// <summary>
/// A typed query (<c>table.Where(r =&gt; …)</c>) uses an expression that cannot be translated to a
/// filter; the message names the expression. Nothing is ever filtered on the client instead.
/// </summary>
[GenerateSerializer, Alias("doctable.UnsupportedExpressionException")]
public sealed class UnsupportedExpressionException(string message) : DocTableException(message);

/// <summary>A row's file-backed column names a file that is not in the table's folder (run <c>doctable clean</c> to list such rows).</summary>
[GenerateSerializer, Alias("doctable.MissingFileException")]
public sealed class MissingFileException(string message) : DocTableException(message);

/// <summary>The table was opened read-only and refuses writes.</summary>
[GenerateSerializer, Alias("doctable.ReadOnlyTableException")]
public sealed class ReadOnlyTableException(string message) : DocTableException(message);

/// <summary>A producer job was asked of a silo that has no <c>IProducerJob</c> for its argument type.</summary>
[GenerateSerializer, Alias("doctable.UnknownJobException")]
public sealed class UnknownJobException(string message) : DocTableException(message);

/// <summary>
/// A producer job watched by <c>Distribute(k).RunJobAsync</c> (<c>RetryPolicy.WatchJobAsync</c>) kept
/// failing for reasons a retry may cure — a silo or the table's group down, the catalog unreachable —
/// without progress for longer than the retry policy allows, or its status could not be read for that
/// long. The message names the producer, says how many attempts failed over how long, and ends with
/// the last failure, which is also the <see cref="Exception.InnerException"/> when there is one. Rows
/// the job committed stay; a rerun under the same producer id resumes where the table stands.
/// </summary>
[GenerateSerializer, Alias("doctable.ProducerJobFailedException")]
public sealed class ProducerJobFailedException(string message, Exception? inner = null) : DocTableException(message, inner);

/// <summary>
/// The table's file could not be read or written (an I/O error, a damaged file, a lock held too long by
/// another process); the message names the file and what SQLite reported. Nothing of the failed write was stored.
/// </summary>
[GenerateSerializer, Alias("doctable.StorageException")]
public class StorageException(string message) : DocTableException(message);

/// <summary>The disk holding the data directory is full; nothing of the failed write was stored. Free space and retry.</summary>
[GenerateSerializer, Alias("doctable.StorageFullException")]
public sealed class StorageFullException(string message) : StorageException(message);

/// <summary>The data directory or the table's file is read-only, so writes are refused; reads still work.</summary>
[GenerateSerializer, Alias("doctable.StorageReadOnlyException")]
public sealed class StorageReadOnlyException(string message) : StorageException(message);

/// <summary>
/// The table lives in a failover group none of whose silos is running (or reachable), so nobody may
/// open its file; the message names the group. Start a silo of that group (on its data directory) and retry.
/// </summary>
[GenerateSerializer, Alias("doctable.TableUnavailableException")]
public sealed class TableUnavailableException(string message) : DocTableException(message);

/// <summary>The cluster cannot be reached (its Redis, or any silo); the message names the address and says what to start.</summary>
[GenerateSerializer, Alias("doctable.ClusterUnavailableException")]
public sealed class ClusterUnavailableException(string message) : DocTableException(message);
