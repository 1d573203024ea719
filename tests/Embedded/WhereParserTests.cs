using DocTable.Orleans.Client.Cli;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded;

/// <summary>The CLI's --where text becomes the same filters the API builds.</summary>
public sealed class WhereParserTests
{
    [Fact]
    public void Terms_Parse_ToTheApiFilters()
    {
        var n = Col.Of("number");
        Assert.Null(WhereParser.Parse("  "));
        Assert.Equal(n >= 10L, WhereParser.Parse("number >= 10"));
        Assert.Equal(n != 1.5, WhereParser.Parse("number != 1.5"));
        Assert.Equal(Col.Of("process").Like("A%"), WhereParser.Parse("process like 'A%'"));
        Assert.Equal(Col.Of("process").IsNotNull(), WhereParser.Parse("process is not null"));
        Assert.Equal(Col.Of("process") == "it's", WhereParser.Parse("process = 'it''s'"));
    }

    [Fact]
    public void And_SplitsTerms_ButNotInsideQuotedText()
    {
        var filter = Assert.IsType<AndFilter>(WhereParser.Parse("process = 'rock and roll' AND number < 3"));
        Assert.Equal(2, filter.Parts.Length);
        Assert.Equal(Col.Of("process") == "rock and roll", filter.Parts[0]);
        Assert.Equal(Col.Of("number") < 3L, filter.Parts[1]);
    }

    [Fact]
    public void UnreadableTerm_IsAnInvalidQuery()
    {
        var error = Assert.Throws<InvalidQueryException>(() => WhereParser.Parse("number >>= 1"));
        Assert.Contains("number >>= 1", error.Message);
    }
}
