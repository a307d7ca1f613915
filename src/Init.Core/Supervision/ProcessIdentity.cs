using System.Text;
using Init.Interop;
using Init.Runtime;

namespace Init.Supervision;

/// <summary>
/// Who a pid is, precisely enough that a reused pid is never mistaken for it: the pid, its start
/// time in clock ticks since boot (field 22 of /proc/PID/stat, fixed for the life of the process,
/// exec included) and the kernel's boot id. Written as one line to <c>supervise/identity</c> beside
/// runit's <c>pid</c>, so a later supervisor can tell whether the process is still the one it names.
/// </summary>
public readonly record struct ProcessIdentity(int Pid, ulong StartTicks, string BootId)
{
    private const string BootIdFile = "/proc/sys/kernel/random/boot_id";
    private const ulong TicksPerSecond = 100;   // USER_HZ: the unit of /proc/PID/stat on every Linux ABI
    private static string? _bootId;

    /// <summary>The identity of a live (not zombie) process, or null when it is gone or unreadable.</summary>
    public static ProcessIdentity? Of(int pid) =>
        pid > 0 && ProcStat.Of(pid) is { Gone: false } stat && CurrentBootId() is { } boot
            ? new ProcessIdentity(pid, stat.StartTicks, boot) : null;

    /// <summary>
    /// "PID STARTTICKS BOOTID\n", in fixed-width fields (69 bytes for a Linux boot id), so a new
    /// identity overwrites the old in place without truncating the file first.
    /// </summary>
    public override string ToString() => $"{Pid,10} {StartTicks,20} {BootId,-36}\n";

    public static ProcessIdentity? Parse(string text)
    {
        string[] f = text.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return f.Length == 3 && int.TryParse(f[0], out int pid) && pid > 0 && ulong.TryParse(f[1], out ulong start) && f[2].Length > 0
            ? new ProcessIdentity(pid, start, f[2]) : null;
    }

    /// <summary>The process with this pid now is this very process, alive.</summary>
    public bool StillRunning => Of(Pid) == this;

    /// <summary>When a live process started, in Unix seconds (boot time + start ticks); null when gone.</summary>
    public static long? StartedUnixSeconds(int pid)
    {
        if (ProcStat.Of(pid) is not { Gone: false } stat || BootTime() is not long boot) return null;
        return boot + (long)(stat.StartTicks / TicksPerSecond);
    }

    private static string? CurrentBootId()
    {
        if (_bootId is not null) return _bootId;
        Span<byte> buffer = stackalloc byte[64];
        int n = Sys.ReadFile(BootIdFile, buffer);
        return n > 0 ? _bootId = Encoding.ASCII.GetString(buffer[..n]).Trim() : null;
    }

    /// <summary>"btime" of /proc/stat: the boot time in Unix seconds.</summary>
    private static long? BootTime()
    {
        Span<byte> buffer = stackalloc byte[16384];
        int n = Sys.ReadFile("/proc/stat", buffer);
        if (n <= 0) return null;
        foreach (string line in Encoding.ASCII.GetString(buffer[..n]).Split('\n'))
            if (line.StartsWith("btime ", StringComparison.Ordinal) && long.TryParse(line.AsSpan(6), out long t)) return t;
        return null;
    }
}
