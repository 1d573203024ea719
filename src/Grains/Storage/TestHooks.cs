namespace DocTable.Orleans.Grains.Storage;

/// <summary>
/// Hidden hooks for crash tests, read from the environment once. <c>DOCTABLE_TEST_PAUSE_AFTER_FILE_WRITE=N:MARKER</c>
/// makes the process write MARKER and stop forever right after writing its N-th file-column file and
/// before the row is committed, so that a test can kill it there (kill -9). Unset in normal use.
/// </summary>
internal static class TestHooks
{
    private static readonly (int Count, string Marker)? PauseAfterFileWrite = Parse(Environment.GetEnvironmentVariable("DOCTABLE_TEST_PAUSE_AFTER_FILE_WRITE"));
    private static int s_filesWritten;

    /// <summary>Called after each file-column file is written (and before its row commits).</summary>
    public static void AfterFileWrite()
    {
        if (PauseAfterFileWrite is not { } pause || Interlocked.Increment(ref s_filesWritten) < pause.Count) return;
        File.WriteAllText(pause.Marker, Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Thread.Sleep(Timeout.Infinite);
    }

    private static (int, string)? Parse(string? value)
    {
        if (string.IsNullOrEmpty(value)) return null;
        var colon = value.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 && int.TryParse(value[..colon], out var count) ? (count, value[(colon + 1)..]) : null;
    }
}
