namespace DocTable.Orleans;

/// <summary>
/// Options for a property stored as a column (DocTable's <c>Col()</c>). Without the attribute every
/// public read/write property is a column named in snake_case; nullability follows the C# type
/// (<c>int?</c>, <c>string?</c> allow NULL; <c>int</c>, <c>string</c> do not).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public class ColumnAttribute : Attribute
{
    /// <summary>Column name; defaults to the property name in snake_case.</summary>
    public string? Name { get; set; }

    /// <summary>Values must be unique.</summary>
    public bool Unique { get; set; }

    /// <summary>Keep an index on the column.</summary>
    public bool Indexed { get; set; }

    /// <summary>Allow NULL even where the C# type does not.</summary>
    public bool AllowNull { get; set; }

    /// <summary>Default value used when an insert does not give the column (a constant).</summary>
    public object? Default { get; set; }
}

/// <summary>DocTable's <c>IDCol()</c>: <c>INTEGER PRIMARY KEY AUTOINCREMENT</c>, set by the table.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class IdColumnAttribute : ColumnAttribute;

/// <summary>DocTable's <c>AddedCol()</c>: the time the row was inserted; never changes afterwards.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class AddedColumnAttribute : ColumnAttribute;

/// <summary>DocTable's <c>UpdatedCol()</c>: the time the row was inserted or last updated.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class UpdatedColumnAttribute : ColumnAttribute;

/// <summary>Keeps a public property out of the table.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class NotColumnAttribute : Attribute;

/// <summary>
/// DocTable's <c>TextFileCol</c>: the (large) text of this <c>string</c> property is kept in a file under
/// <c>{data}/{table}.files/</c> and the row stores the file's name; selects return the text. Updates
/// and deletes remove the old file once they commit; <c>doctable clean</c> reconciles folder and table.
/// The column can be tested for NULL but not compared or sorted.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class TextFileAttribute : ColumnAttribute;

/// <summary>
/// DocTable's <c>PickleFileCol</c>, for bytes: the value of this <c>byte[]</c> property is kept in a file
/// under <c>{data}/{table}.files/</c> and the row stores the file's name (see <see cref="TextFileAttribute"/>).
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class BlobFileAttribute : ColumnAttribute;
