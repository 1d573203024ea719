using System.CommandLine;
using Spectre.Console;

namespace DocTable.Orleans.Client.Cli;

/// <summary>
/// Where a <c>doctable</c> command prints: the invocation's standard output and error (System.CommandLine's
/// <see cref="InvocationConfiguration"/>, so an in-process caller such as a test can capture both), and
/// Spectre consoles over them. A console emits no ANSI colour or style codes when its stream is not a
/// terminal or <c>NO_COLOR</c> is set (https://no-color.org), so piped output is plain text.
/// </summary>
internal sealed class Terminal
{
    /// <summary>A terminal over <paramref name="output"/> and <paramref name="error"/>.</summary>
    public Terminal(TextWriter output, TextWriter error)
    {
        Output = output;
        Error = error;
        Console = Create(output);
        ErrorConsole = Create(error);
    }

    /// <summary>The streams the command was invoked with.</summary>
    public static Terminal For(ParseResult parse) => new(parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);

    /// <summary>Standard output, for results (counts, exported rows).</summary>
    public TextWriter Output { get; }

    /// <summary>Standard error, for errors and progress.</summary>
    public TextWriter Error { get; }

    /// <summary>A console over <see cref="Output"/>, for tables and rules.</summary>
    public IAnsiConsole Console { get; }

    /// <summary>A console over <see cref="Error"/>, for progress bars that must not mix with the results.</summary>
    public IAnsiConsole ErrorConsole { get; }

    /// <summary>Prints <c>error: </c><paramref name="message"/> on standard error and returns exit code 2.</summary>
    public int Fail(string message)
    {
        Error.WriteLine($"error: {message}");
        return 2;
    }

    /// <summary>Prints <paramref name="error"/> in the user's words (see <see cref="Describe"/>) and returns exit code 2.</summary>
    public int Fail(Exception error) => Fail(Describe(error));

    /// <summary>
    /// The message of a typed error as it is; of an <see cref="ArgumentException"/> without the
    /// "(Parameter 'x')" and "Actual value was …" that .NET appends, which name code, not options.
    /// </summary>
    public static string Describe(Exception error)
    {
        var message = error.Message;
        if (error is ArgumentException { ParamName: { } name })
        {
            var cut = message.IndexOf($" (Parameter '{name}')", StringComparison.Ordinal);
            if (cut >= 0) message = message[..cut];
        }
        return message;
    }

    /// <summary>True when <paramref name="writer"/> is this process's standard output or error and that is a terminal.</summary>
    public static bool IsTerminal(TextWriter writer)
        => ReferenceEquals(writer, System.Console.Out) ? !System.Console.IsOutputRedirected
            : ReferenceEquals(writer, System.Console.Error) && !System.Console.IsErrorRedirected;

    /// <summary>True when colour and styles are wanted on <paramref name="writer"/>: a terminal, and <c>NO_COLOR</c> not set.</summary>
    public static bool WantsAnsi(TextWriter writer)
        => IsTerminal(writer) && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));

    private static IAnsiConsole Create(TextWriter writer)
    {
        var ansi = WantsAnsi(writer);
        return AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = ansi ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = ansi ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = ansi ? InteractionSupport.Detect : InteractionSupport.No,
        });
    }
}
