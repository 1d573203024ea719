using Xunit;

namespace DocTable.Orleans.Tests.Hosting;

/// <summary>The embedded silo hands its <see cref="DocTableOptions"/> on with <see cref="DocTableOptions.CopyTo"/>: no setting may be left behind.</summary>
public sealed class DocTableOptionsTests
{
    [Fact]
    public void CopyTo_CopiesEverySetting()
    {
        var source = new DocTableOptions
        {
            DataDirectory = "/srv/tables",
            Group = "b",
            Durability = Durability.Normal,
            BusyTimeout = TimeSpan.FromSeconds(7),
            MaxRowsPerTransaction = 1234,
            MaxTransactionAge = TimeSpan.FromMilliseconds(77),
            MaxPendingRows = 4321,
        };
        var target = new DocTableOptions();
        source.CopyTo(target);

        var settings = typeof(DocTableOptions).GetProperties().Where(p => p.CanWrite).ToArray();
        Assert.Equal(7, settings.Length);   // a new setting must be added to CopyTo and to this test
        var defaults = new DocTableOptions();
        foreach (var setting in settings)
        {
            Assert.NotEqual(setting.GetValue(defaults), setting.GetValue(source));   // the test sets every one
            Assert.Equal(setting.GetValue(source), setting.GetValue(target));
        }
    }
}
