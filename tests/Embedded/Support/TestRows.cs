namespace DocTable.Orleans.Tests.Embedded.Support;

/// <summary>A small JSON-stored object.</summary>
public sealed record Payload(string Name, int[] Values);

/// <summary>Every supported column type, plain and nullable.</summary>
public sealed class AllTypesRow
{
    [IdColumn] public long Id { get; set; }
    [AddedColumn] public DateTime Added { get; set; }
    [UpdatedColumn] public DateTime Updated { get; set; }
    public int Int { get; set; }
    public long Long { get; set; }
    public double Double { get; set; }
    public bool Bool { get; set; }
    public string Text { get; set; } = "";
    public DateTime When { get; set; }
    public byte[] Bytes { get; set; } = [];
    public Payload Json { get; set; } = new("", []);
    public int? NInt { get; set; }
    public long? NLong { get; set; }
    public double? NDouble { get; set; }
    public bool? NBool { get; set; }
    public string? NText { get; set; }
    public DateTime? NWhen { get; set; }
    public byte[]? NBytes { get; set; }
    public Payload? NJson { get; set; }
}

/// <summary>A row with a unique key, an indexed column and a defaulted column.</summary>
public sealed class KeyedRow
{
    [IdColumn] public long Id { get; set; }
    [Column(Unique = true)] public string Key { get; set; } = "";
    [Column(Indexed = true)] public int Score { get; set; }
    [Column(Default = "none")] public string? Tag { get; set; }
}

/// <summary>Rows for filter tests: a number, a name that may be null, a flag.</summary>
public sealed class FilterRow
{
    [IdColumn] public long Id { get; set; }
    public int N { get; set; }
    public string? Name { get; set; }
    public bool Even { get; set; }
}
