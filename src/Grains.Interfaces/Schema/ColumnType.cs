namespace DocTable.Orleans;

/// <summary>
/// The logical type of a column. Values travel and are stored as one of SQLite's storage classes:
/// <see cref="long"/> (Int32, Int64, Boolean), <see cref="double"/> (Real), <see cref="string"/>
/// (Text, DateTime in <c>yyyy-MM-dd HH:mm:ss.ffffff</c> UTC, Json) and <see cref="byte"/>[] (Blob).
/// </summary>
[GenerateSerializer, Alias("doctable.ColumnType")]
public enum ColumnType
{
    Int32,
    Int64,
    Real,
    Boolean,
    Text,
    DateTime,
    Blob,
    Json,
    /// <summary>
    /// A large text kept in a file under <c>{data}/{table}.files/</c> (DocTable's TextFileCol); the row
    /// stores the file name, selects return the text. Travels as a string.
    /// </summary>
    TextFile,
    /// <summary>Binary data kept in a file under <c>{data}/{table}.files/</c> (DocTable's PickleFileCol, as bytes). Travels as byte[].</summary>
    BlobFile,
}

/// <summary>What a column is for: a regular value or one of DocTable's managed columns.</summary>
[GenerateSerializer, Alias("doctable.ColumnRole")]
public enum ColumnRole
{
    /// <summary>A value the caller provides.</summary>
    Regular,
    /// <summary><c>INTEGER PRIMARY KEY AUTOINCREMENT</c>, assigned by the table.</summary>
    Id,
    /// <summary>Timestamp set when the row is inserted, never changed afterwards.</summary>
    Added,
    /// <summary>Timestamp set when the row is inserted and again on every update.</summary>
    Updated,
}

/// <summary>Storage helpers shared by the table grain and clients.</summary>
public static class ColumnTypes
{
    /// <summary>The SQL type name used in <c>CREATE TABLE</c>; it selects the right SQLite affinity.</summary>
    public static string SqlType(this ColumnType type) => type switch
    {
        ColumnType.Int32 or ColumnType.Int64 or ColumnType.Boolean => "INTEGER",
        ColumnType.Real => "REAL",
        ColumnType.Text or ColumnType.DateTime or ColumnType.Json => "TEXT",
        ColumnType.Blob => "BLOB",
        ColumnType.TextFile or ColumnType.BlobFile => "TEXT",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Unknown column type."),
    };

    /// <summary>True for the file-backed types, whose column stores a file name.</summary>
    public static bool IsFile(this ColumnType type) => type is ColumnType.TextFile or ColumnType.BlobFile;

    /// <summary>The format of DateTime values as stored (UTC, microseconds, sortable as text).</summary>
    public const string DateTimeFormat = "yyyy-MM-dd HH:mm:ss.ffffff";
}
