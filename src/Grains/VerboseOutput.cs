namespace DocTable.Orleans.Grains;

/// <summary>Where verbose grains print (queue inserters' "Inserting N records."). Standard output by default.</summary>
public sealed class VerboseOutput
{
    /// <summary>The writer; replace it to capture the lines.</summary>
    public TextWriter Writer { get; set; } = Console.Out;
}
