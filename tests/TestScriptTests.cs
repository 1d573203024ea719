using Xunit;

namespace DocTable.Orleans.Tests;

/// <summary>scripts/test.sh, the README's test command, tells the reader what it is doing.</summary>
public sealed class TestScriptTests
{
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DocTable.Orleans.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No DocTable.Orleans.sln above {AppContext.BaseDirectory}.");
    }

    [Fact]
    public void EveryLongStep_IsAnnouncedByALineBeforeIt()
    {
        var lines = File.ReadAllLines(Path.Combine(RepositoryRoot(), "scripts", "test.sh"))
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .ToList();
        var steps = lines.Select((line, i) => (line, i))
            .Where(x => x.line.StartsWith("command -v redis-server", StringComparison.Ordinal) || x.line.StartsWith("dotnet ", StringComparison.Ordinal))
            .ToList();
        Assert.Equal(3, steps.Count); // install, build, test
        foreach (var (line, i) in steps)
        {
            var before = lines.Take(i).Where(l => !l.StartsWith("log=", StringComparison.Ordinal) && !l.StartsWith("trap ", StringComparison.Ordinal) && l != "set +e").Last();
            Assert.True(before.StartsWith("say \"", StringComparison.Ordinal) || before.StartsWith("echo ", StringComparison.Ordinal),
                $"scripts/test.sh runs `{line}` without saying first what it does (the line before is `{before}`).");
        }
    }
}
