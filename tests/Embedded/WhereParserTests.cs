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

    [Theory]
    [InlineData("number >=", "no value after \">=\"")]
    [InlineData("number >= ", "no value after \">=\"")]
    [InlineData("process = 'AB", "unterminated quote")]
    [InlineData("process = 'it''s and number < 3", "unterminated quote")]
    [InlineData("process = AB", "put text in single quotes")]
    [InlineData("process like A%", "put text in single quotes")]
    [InlineData("number = NaN", "put text in single quotes")]
    [InlineData("number >= 1 and", "Cannot read the filter term")]
    public void IncompleteOrUnquotedTerms_AreInvalidQueries(string where, string expected)
    {
        var error = Assert.Throws<InvalidQueryException>(() => WhereParser.Parse(where));
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void NumbersBooleansAndQuotedText_AreValues()
    {
        Assert.Equal(Col.Of("n") == -3L, WhereParser.Parse("n = -3"));
        Assert.Equal(Col.Of("x") > 1e3, WhereParser.Parse("x > 1e3"));
        Assert.Equal(Col.Of("flag") == true, WhereParser.Parse("flag = TRUE"));
        Assert.Equal(Col.Of("flag") != false, WhereParser.Parse("flag != false"));
        Assert.Equal(Col.Of("process") == "true", WhereParser.Parse("process = 'true'"));
        Assert.Equal(Col.Of("process") == "", WhereParser.Parse("process = ''"));
    }

    [Theory]
    [InlineData("number", "number", false)]
    [InlineData("number asc", "number", false)]
    [InlineData("number ASC", "number", false)]
    [InlineData("  number   Desc ", "number", true)]
    [InlineData("number DESC", "number", true)]
    public void OrderBy_TakesAColumnAndAnOptionalDirection(string text, string column, bool descending)
        => Assert.Equal([new OrderBy(column, descending)], OrderByParser.Parse(text)!);

    [Fact]
    public void OrderBy_TakesSeveralColumns_AndRefusesAnythingElse()
    {
        Assert.Equal([OrderBy.Asc("process"), OrderBy.Desc("number")], OrderByParser.Parse("process, number desc")!);
        Assert.Null(OrderByParser.Parse(" "));
        Assert.Contains("number upward", Assert.Throws<InvalidQueryException>(() => OrderByParser.Parse("number upward")).Message);
        Assert.Throws<InvalidQueryException>(() => OrderByParser.Parse("number,"));
    }
}
