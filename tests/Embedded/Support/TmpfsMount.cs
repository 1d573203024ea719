using System.Diagnostics;
using Xunit;

namespace DocTable.Orleans.Tests.Embedded.Support;

/// <summary>
/// A small tmpfs (or a read-only bind mount) mounted on a fresh temp folder, for tests of a full or
/// read-only data directory (needs root: <c>mount</c>). Disposing unmounts it and removes the folder.
/// </summary>
public sealed class TmpfsMount : IDisposable
{
    private static readonly Lazy<string?> s_unavailable = new(Probe);

    private TmpfsMount(string path) => Path = path;

    /// <summary>Why a tmpfs cannot be mounted here (null when it can).</summary>
    public static string? Unavailable => s_unavailable.Value;

    /// <summary>The mount point.</summary>
    public string Path { get; }

    /// <summary>Mounts a tmpfs of <paramref name="size"/> (mount's syntax: "2m") on a new temp folder.</summary>
    public static TmpfsMount Create(string size)
    {
        var path = Directory.CreateTempSubdirectory("doctable-tmpfs-").FullName;
        var error = Run("mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", path);
        if (error is not null)
        {
            Directory.Delete(path);
            throw new InvalidOperationException("mount failed: " + error);
        }
        return new TmpfsMount(path);
    }

    /// <summary>Mounts <paramref name="source"/> again, read-only, on a new temp folder (a read-only view of a writable directory).</summary>
    public static TmpfsMount BindReadOnly(string source)
    {
        var path = Directory.CreateTempSubdirectory("doctable-robind-").FullName;
        var error = Run("mount", "--bind", source, path) ?? Run("mount", "-o", "remount,bind,ro", path);
        if (error is not null)
        {
            Run("umount", path);
            Directory.Delete(path);
            throw new InvalidOperationException("mount failed: " + error);
        }
        return new TmpfsMount(path);
    }

    /// <summary>Remounts read-only (fails while a file on it is open for writing).</summary>
    public void RemountReadOnly() => Require(Run("mount", "-o", "remount,ro", Path));

    /// <summary>Remounts writable.</summary>
    public void RemountWritable() => Require(Run("mount", "-o", "remount,rw", Path));

    /// <summary>
    /// Fills the file system with <paramref name="filler"/> until only about <paramref name="leave"/>
    /// bytes are free; deleting the file frees the space again.
    /// </summary>
    public void Fill(string filler, long leave)
    {
        using var stream = new FileStream(filler, FileMode.Create, FileAccess.Write);
        var chunk = new byte[64 * 1024];
        try
        {
            while (true) stream.Write(chunk);
        }
        catch (IOException)
        {
            // Full (ENOSPC): give back what the test wants free.
        }
        stream.SetLength(Math.Max(0, stream.Length - leave));
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        for (var attempt = 0; Run("umount", Path) is not null; attempt++)
        {
            if (attempt == 20)
            {
                Run("umount", "-l", Path);
                break;
            }
            Thread.Sleep(100);
        }
        // Not recursive: if the unmount failed after all, nothing on the mounted file system is deleted.
        try { Directory.Delete(Path); } catch (IOException) { }
    }

    private static void Require(string? error)
    {
        if (error is not null) throw new InvalidOperationException(error);
    }

    /// <summary>Runs a command; null when it succeeded, else what it printed.</summary>
    private static string? Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return process.ExitCode == 0 ? null : $"{file} {string.Join(' ', arguments)}: exit {process.ExitCode}: {output.Trim()}";
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return $"{file}: {e.Message}";
        }
    }

    private static string? Probe()
    {
        if (!OperatingSystem.IsLinux()) return "tmpfs mounts need Linux";
        try
        {
            using var probe = Create("64k");
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or UnauthorizedAccessException)
        {
            return "cannot mount a tmpfs here (needs root): " + e.Message;
        }
    }
}

/// <summary>A fact that runs only where a tmpfs can be mounted; skipped with the reason elsewhere.</summary>
public sealed class TmpfsFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when no tmpfs can be mounted.</summary>
    public TmpfsFactAttribute()
    {
        if (TmpfsMount.Unavailable is { } why) Skip = why;
    }
}

/// <summary>A theory that runs only where a tmpfs can be mounted; skipped with the reason elsewhere.</summary>
public sealed class TmpfsTheoryAttribute : TheoryAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when no tmpfs can be mounted.</summary>
    public TmpfsTheoryAttribute()
    {
        if (TmpfsMount.Unavailable is { } why) Skip = why;
    }
}
