using System.Diagnostics;
using System.Text.RegularExpressions;
using Xunit;

namespace DocTable.Orleans.Tests;

/// <summary>
/// What the README promises, checked as a reader would: its C# example compiles as written, and the
/// CLI packs as the .NET tool that puts <c>doctable</c> on the PATH. One class, so the two never build
/// or pack src/Client at the same time.
/// </summary>
public sealed partial class ReadmeTests : IDisposable
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("doctable-readme-");

    /// <summary>The folder holding DocTable.Orleans.sln, found by walking up from the test assembly.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "DocTable.Orleans.sln"))) return dir.FullName;
        throw new InvalidOperationException($"No DocTable.Orleans.sln above {AppContext.BaseDirectory}.");
    }

    private static string ClientProject => Path.Combine(RepositoryRoot(), "src", "Client", "Client.csproj");

    [GeneratedRegex(@"^(#+)\s+(.*?)\s*$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"^```csharp[ \t]*\r?\n(?<code>.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline | RegexOptions.IgnoreCase)]
    private static partial Regex CSharpBlock();

    /// <summary>The first ```csharp block of the README section titled <paramref name="title"/> (up to the next heading of its level or above).</summary>
    internal static string FirstCSharpBlock(string markdown, string title)
    {
        var headings = Heading().Matches(markdown);
        var start = headings.FirstOrDefault(h => h.Groups[2].Value == title)
            ?? throw new InvalidOperationException($"The README has no section \"{title}\".");
        var level = start.Groups[1].Length;
        var end = headings.FirstOrDefault(h => h.Index > start.Index && h.Groups[1].Length <= level)?.Index ?? markdown.Length;
        var block = CSharpBlock().Match(markdown[start.Index..end]);
        if (!block.Success) throw new InvalidOperationException($"The README section \"{title}\" has no ```csharp block.");
        return block.Groups["code"].Value;
    }

    [Fact]
    public void TheExampleExtractor_TakesTheFirstCSharpBlockOfTheSectionOnly()
    {
        const string markdown = "# T\n## Before\n```csharp\nbefore();\n```\n## Using it from C#\ntext\n```bash\nls\n```\n```csharp\nfirst();\n```\n```csharp\nsecond();\n```\n### Sub\n## After\n```csharp\nafter();\n```\n";
        Assert.Equal("first();\n", FirstCSharpBlock(markdown, "Using it from C#"));
        Assert.Throws<InvalidOperationException>(() => FirstCSharpBlock("## Using it from C#\n## Next\n```csharp\nx();\n```\n", "Using it from C#"));
    }

    /// <remarks>
    /// The embedded example also runs (in a temp folder, its data directory "data" inside it). The
    /// hosted-silo example only compiles here: it binds fixed ports, and HostedSiloTests runs the same calls.
    /// </remarks>
    [Theory]
    [InlineData("Using it from C#", true)]
    [InlineData("Hosting the store in your own silo", false)]
    public async Task TheCSharpExamples_CompileAsTopLevelPrograms_WithTheRepositorysSettings(string section, bool run)
    {
        var root = RepositoryRoot();
        var code = FirstCSharpBlock(await File.ReadAllTextAsync(Path.Combine(root, "README.md")), section);
        var project = _temp.CreateSubdirectory("example").FullName;
        // The repository's Directory.Build.props (nullable on, warnings as errors, implicit usings),
        // imported the way the repository's own projects get it; the empty files stop MSBuild looking
        // further up from the temp folder.
        await File.WriteAllTextAsync(Path.Combine(project, "Directory.Build.props"), $"<Project>\n  <Import Project=\"{Path.Combine(root, "Directory.Build.props")}\" />\n</Project>\n");
        await File.WriteAllTextAsync(Path.Combine(project, "Directory.Build.targets"), "<Project />\n");
        await File.WriteAllTextAsync(Path.Combine(project, "Directory.Packages.props"), "<Project />\n");
        await File.WriteAllTextAsync(Path.Combine(project, "ReadmeExample.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{ClientProject}" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(project, "Program.cs"), code);

        // Only this project: src/Client was built with the tests, in the same configuration.
        var build = await DotnetAsync(project, "build", "ReadmeExample.csproj", "-c", Configuration, "--no-dependencies", "--nologo", "-v", "quiet");
        Assert.True(build.ExitCode == 0, $"The README's C# example \"{section}\" does not compile (dotnet build exit {build.ExitCode}):\n{build.Output}\n--- Program.cs\n{code}");
        if (!run) return;

        var dll = Path.Combine(project, "bin", Configuration, "net10.0", "ReadmeExample.dll");
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet") { WorkingDirectory = project };
        info.ArgumentList.Add(dll);
        var ran = await RunAsync(info);
        Assert.True(ran.ExitCode == 0, $"The README's C# example \"{section}\" compiles but fails when run (exit {ran.ExitCode}):\n{ran.Output}");
        Assert.Contains("101 rows, the first with id 1; row 101 is the last", ran.Output);
    }

    [Fact]
    public async Task TheCli_PacksAsADotnetTool_ThatRunsAsDoctableFromItsToolPath()
    {
        var root = RepositoryRoot();
        var packages = _temp.CreateSubdirectory("pack").FullName;
        var pack = await DotnetAsync(root, "pack", ClientProject, "-c", Configuration, "--no-build", "-o", packages, "--nologo", "-v", "quiet");
        Assert.True(pack.ExitCode == 0, $"dotnet pack src/Client failed (exit {pack.ExitCode}):\n{pack.Output}");
        Assert.Single(Directory.GetFiles(packages, "DocTable.Orleans.Cli.*.nupkg"));

        // Only the fresh package: a source list of just that folder (no network, no other feed).
        var config = Path.Combine(_temp.FullName, "nuget.config");
        await File.WriteAllTextAsync(config, $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{packages}" />
              </packageSources>
            </configuration>
            """);
        var tools = Path.Combine(_temp.FullName, "tools");
        var install = await DotnetAsync(_temp.FullName, "tool", "install", "DocTable.Orleans.Cli", "--tool-path", tools, "--configfile", config);
        Assert.True(install.ExitCode == 0, $"dotnet tool install failed (exit {install.ExitCode}):\n{install.Output}");

        var help = await RunAsync(new ProcessStartInfo(Path.Combine(tools, OperatingSystem.IsWindows() ? "doctable.exe" : "doctable"), "--help") { WorkingDirectory = _temp.FullName });
        Assert.True(help.ExitCode == 0, help.Output);
        Assert.Matches(@"(?m)^\s+demo\s", help.Output);
    }

    /// <summary>Runs <c>dotnet</c> (the one running the tests, when known) without build servers that would outlive the test.</summary>
    private static Task<(int ExitCode, string Output)> DotnetAsync(string workingDirectory, params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet") { WorkingDirectory = workingDirectory };
        foreach (var arg in args) info.ArgumentList.Add(arg);
        if (args[0] is "build" or "pack") info.ArgumentList.Add("--disable-build-servers");
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        return RunAsync(info);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo info)
    {
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.UseShellExecute = false;
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {info.FileName}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(4));
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{info.FileName} {string.Join(' ', info.ArgumentList)} did not finish in 4 minutes.");
        }
        return (process.ExitCode, (await output) + (await error));
    }

    public void Dispose()
    {
        try { _temp.Delete(recursive: true); } catch (IOException) { }
    }
}
