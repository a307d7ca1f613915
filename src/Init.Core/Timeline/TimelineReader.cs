using System.Text;
using System.Text.Unicode;
using Init.Interop;
using Init.Supervision;
using static Init.Interop.Consts;

namespace Init.Timeline;

/// <summary>
/// Reads a boot's timeline for <c>init analyze</c>: PID 1's <c>stages</c>, every service file in
/// <c>service/</c>, and the service directory (the one PID 1 named beside them, unless told
/// otherwise), so that a service that never started is listed too and a normally-down one is not
/// waited for. A file that is not a timeline, or a line that is not a field, is reported and left
/// out; the rest is still shown.
/// </summary>
public static class TimelineReader
{
    /// <summary>The analysis, or null with the errno when <paramref name="timelineDirectory"/> cannot be read at all.</summary>
    public static BootAnalysis? Read(string timelineDirectory, string? serviceDirectory, Action<string> warn, out int errno)
    {
        errno = 0;
        if (Sys.Stat(timelineDirectory, out var st) < 0 || !st.IsDirectory)
        {
            errno = Sys.Errno == 0 ? ENOTDIR : Sys.Errno;
            return null;
        }
        StageTimeline? stages = null;
        if (ReadText(Path.Combine(timelineDirectory, StageTimeline.File), warn) is { } stageText)
        {
            var problems = new List<string>();
            stages = StageTimeline.Parse(stageText, problems);
            foreach (string p in problems) warn($"{Path.Combine(timelineDirectory, StageTimeline.File)}: {p}: ignored");
        }
        string services = Path.Combine(timelineDirectory, ServiceTimeline.ServicesDirectory);
        var names = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (string file in Directory.EnumerateFiles(services))
                if (Path.GetFileName(file) is { Length: > 0 } name && name[0] != '.' && !name.EndsWith(".new", StringComparison.Ordinal)) names.Add(name);
        }
        catch (DirectoryNotFoundException) { }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errno = e is UnauthorizedAccessException ? EACCES : EIO;
            return null;
        }
        string svdir = serviceDirectory ?? ServiceTimeline.ScopeOf(timelineDirectory) ?? "/etc/service";
        var listed = ServiceScan.Read(svdir, (_, _, _) => { })?.Select(s => s.Name).ToHashSet(StringComparer.Ordinal) ?? [];
        names.UnionWith(listed);

        var entries = new List<ServiceEntry>();
        var sorted = names.ToList();
        sorted.Sort(StringComparer.Ordinal);
        foreach (string name in sorted)
        {
            string file = Path.Combine(services, name);
            bool normallyUp = !listed.Contains(name) || NormallyUp(Path.Combine(svdir, name));
            if (ReadText(file, warn) is not { } text) { entries.Add(new ServiceEntry(name, ServiceTimeline.Empty, normallyUp, Recorded: false)); continue; }
            var problems = new List<string>();
            var times = ServiceTimeline.Parse(text, problems);
            if (OutOfOrder(times) is { } order) { problems.Add(order); times = ServiceTimeline.Empty; }
            foreach (string p in problems) warn($"{file}: {p}: ignored");
            entries.Add(new ServiceEntry(name, times, normallyUp, Recorded: !ReferenceEquals(times, ServiceTimeline.Empty)));
        }
        return new BootAnalysis(stages, entries) { Host = Line("/proc/sys/kernel/hostname"), Kernel = Line("/proc/sys/kernel/osrelease") };
    }

    /// <summary>What no supervisor writes: a start after its readiness, a wait after its start.</summary>
    private static string? OutOfOrder(ServiceTimeline t) =>
        t.ReadyMs < t.StartMs ? "ready before start: not a timeline"
        : t.WaitingMs > t.StartMs ? "waiting after start: not a timeline"
        : t.ReadyMs is not null && t.StartMs is null ? "ready without a start: not a timeline"
        : null;

    /// <summary>Wanted up at boot: no <c>down</c> file (a oneshot's down is its stop script).</summary>
    private static bool NormallyUp(string directory) =>
        ServicePolicy.IsOneshot(directory) || Sys.Stat(Path.Combine(directory, "down"), out _) < 0;

    /// <summary>The file's text; null when it does not exist (silently) or is not a timeline (said).</summary>
    private static string? ReadText(string path, Action<string> warn)
    {
        if (Sys.Stat(path, out var st) == 0 && !st.IsRegular)
        {
            warn($"{path}: not a timeline (not a plain file): ignored");
            return null;
        }
        byte[] buffer = new byte[ServiceTimeline.MaxBytes];
        int n = Sys.ReadFile(path, buffer, ServiceTimeline.Unstalled);
        if (n < 0)
        {
            if (Sys.Errno != ENOENT) warn($"unable to read {path}: {ErrorText.Of(Sys.Errno)}");
            return null;
        }
        var bytes = buffer.AsSpan(0, n);
        if (n == buffer.Length || bytes.IndexOf((byte)0) >= 0 || !Utf8.IsValid(bytes))
        {
            warn($"{path}: not a timeline ({(n == buffer.Length ? $"over {ServiceTimeline.MaxBytes / 1024} KiB" : "binary")}): ignored");
            return null;
        }
        return Encoding.UTF8.GetString(bytes);
    }

    private static string? Line(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        int n = Sys.ReadFile(path, buffer);
        return n <= 0 ? null : Encoding.UTF8.GetString(buffer[..n]).Split('\n')[0].Trim() is { Length: > 0 } line ? line : null;
    }

    private const int EIO = 5;
}
