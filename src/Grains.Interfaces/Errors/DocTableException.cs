namespace DocTable.Orleans;

/// <summary>
/// Base of every error DocTable.Orleans reports on purpose. <see cref="Code"/> names the kind of
/// error so that it survives a trip over the wire (<see cref="FromCode"/> rebuilds the typed error).
/// </summary>
public class DocTableException : Exception
{
    /// <summary>Creates an error.</summary>
    public DocTableException(string message, Exception? inner = null) : base(message, inner) { }

    /// <summary>A stable name of the error kind (the class name without "Exception").</summary>
    public string Code => GetType().Name.Replace("Exception", "", StringComparison.Ordinal);

    /// <summary>Rebuilds a typed error from its <see cref="Code"/> and message, e.g. after a remote call.</summary>
    public static DocTableException FromCode(string code, string message) => code switch
    {
        "Schema" => new SchemaException(message),
        "SchemaMismatch" => new SchemaMismatchException(message),
        "UnknownTable" => new UnknownTableException(message),
        "UnknownColumn" => new UnknownColumnException(message),
        "InvalidIdentifier" => new InvalidIdentifierException(message),
        "ColumnType" => new ColumnTypeException(message),
        "NullValue" => new NullValueException(message),
        "ConstraintViolation" => new ConstraintViolationException(message),
        "MalformedMessage" => new MalformedMessageException(message),
        "InvalidQuery" => new InvalidQueryException(message),
        "ReadOnlyTable" => new ReadOnlyTableException(message),
        "UnsupportedExpression" => new UnsupportedExpressionException(message),
        "MissingFile" => new MissingFileException(message),
        "GrainCallTimeout" => new GrainCallTimeoutException(message),
        "SiloUnavailable" => new SiloUnavailableException(message),
        _ => new DocTableException(message),
    };
}

/// <summary>A row type or schema definition is not valid.</summary>
public class SchemaException(string message) : DocTableException(message);

/// <summary>The stored table does not match the row type; the message names the column and what differs.</summary>
public sealed class SchemaMismatchException(string message) : SchemaException(message);

/// <summary>The table does not exist (and nothing was given to create it from).</summary>
public sealed class UnknownTableException(string message) : DocTableException(message);

/// <summary>A column named in a row, filter, order or update does not exist in the table.</summary>
public sealed class UnknownColumnException(string message) : DocTableException(message);

/// <summary>A table or column name is not a legal identifier.</summary>
public sealed class InvalidIdentifierException(string message) : DocTableException(message);

/// <summary>A value has the wrong type for its column.</summary>
public sealed class ColumnTypeException(string message) : DocTableException(message);

/// <summary>NULL was given for a column that does not allow it.</summary>
public sealed class NullValueException(string message) : DocTableException(message);

/// <summary>A UNIQUE, CHECK or FOREIGN KEY constraint rejected the batch; nothing of it was written.</summary>
public sealed class ConstraintViolationException(string message, Exception? inner = null, string? constraint = null) : DocTableException(message, inner)
{
    /// <summary>The name of the violated table-level constraint, when it is known (null for a column-level UNIQUE).</summary>
    public string? Constraint { get; } = constraint;
}

/// <summary>A message on the wire could not be decoded.</summary>
public sealed class MalformedMessageException(string message, Exception? inner = null) : DocTableException(message, inner);

/// <summary>A query is not allowed as given (for example a delete of every row without the explicit flag).</summary>
public sealed class InvalidQueryException(string message) : DocTableException(message);

/// <summary>
/// A typed query (<c>table.Where(r =&gt; …)</c>) uses an expression that cannot be translated to a
/// filter; the message names the expression. Nothing is ever filtered on the client instead.
/// </summary>
public sealed class UnsupportedExpressionException(string message) : DocTableException(message);

/// <summary>A row's file-backed column names a file that is not in the table's folder (run <c>doctable clean</c> to list such rows).</summary>
public sealed class MissingFileException(string message) : DocTableException(message);

/// <summary>The table was opened read-only and refuses writes.</summary>
public sealed class ReadOnlyTableException(string message) : DocTableException(message);

/// <summary>No silo answered the call within the configured timeout.</summary>
public sealed class GrainCallTimeoutException(string message) : DocTableException(message);

/// <summary>The silo is shutting down or stopped and takes no new calls.</summary>
public sealed class SiloUnavailableException(string message) : DocTableException(message);

