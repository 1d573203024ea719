using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace DocTable.Orleans.Tests.Embedded.Support;

/// <summary>Keeps the messages an embedded silo logs, so a test can wait for one (<c>o.ConfigureLogging = capture.AddTo</c>).</summary>
public sealed class LogCapture : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _messages = new();

    /// <summary>Every message so far.</summary>
    public IReadOnlyCollection<string> Messages => _messages;

    /// <summary>Logs to this capture (warnings and above, as the embedded silo's default).</summary>
    public void AddTo(ILoggingBuilder logging) => logging.AddProvider(this);

    /// <summary>True when a message so far contains <paramref name="text"/>.</summary>
    public bool Contains(string text) => _messages.Any(m => m.Contains(text, StringComparison.Ordinal));

    ILogger ILoggerProvider.CreateLogger(string categoryName) => new Logger(this);

    void IDisposable.Dispose() { }

    private sealed class Logger(LogCapture capture) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;
        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            => capture._messages.Enqueue(formatter(state, exception));
    }
}
