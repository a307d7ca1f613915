using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Boot;

/// <summary>A mount in /proc/self/mounts.</summary>
public readonly record struct MountEntry(string Source, string Target, string Type);

/// <summary>
/// The API file systems stage 1 mounts when missing, and the reverse walk stage 3 makes.
/// The kernel hands PID 1 nothing mounted (not even /proc) when it boots an initramfs.
/// </summary>
public static class Mounts
{
    /// <summary>
    /// What a plain system needs, in order (parents first). <c>OlderData</c>: the options to try when
    /// the kernel refuses <c>Data</c> (EINVAL) as too new.
    /// <para>
    /// cgroup2's favordynmods (Linux 6.0): the engine moves every process it starts into its
    /// service's cgroup, and without it each move after a quiet spell waits for an RCU grace period
    /// (measured 6–10 ms a move, against 0.3–0.6 ms with it), on the loop every service shares; the
    /// price is a little more work in fork and exit.
    /// </para>
    /// </summary>
    public static readonly (string Target, string Type, string Source, uint Flags, string? Data, string? OlderData)[] Api =
    [
        ("/proc", "proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME, null, null),
        ("/sys", "sysfs", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME, null, null),
        ("/dev", "devtmpfs", "devtmpfs", MS_NOSUID | MS_RELATIME, "mode=0755", null),
        ("/dev/pts", "devpts", "devpts", MS_NOSUID | MS_NOEXEC | MS_RELATIME, "gid=5,mode=0620,ptmxmode=000", null),
        ("/dev/shm", "tmpfs", "shm", MS_NOSUID | MS_NODEV | MS_RELATIME, "mode=1777", null),
        ("/run", "tmpfs", "run", MS_NOSUID | MS_NODEV | MS_RELATIME, "mode=0755", null),
        ("/sys/fs/cgroup", "cgroup2", "cgroup2", MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_RELATIME, "nsdelegate,favordynmods", "nsdelegate"),
    ];

    /// <summary>The mount table; empty when /proc is not mounted.</summary>
    public static List<MountEntry> Current()
    {
        var list = new List<MountEntry>();
        string[] lines;
        try { lines = File.ReadAllLines("/proc/self/mounts"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return list; }
        foreach (string line in lines)
        {
            string[] f = line.Split(' ');
            if (f.Length >= 3) list.Add(new MountEntry(Unescape(f[0]), Unescape(f[1]), f[2]));
        }
        return list;
    }

    public static bool IsMounted(string target) => Current().Any(m => m.Target == target);

    /// <summary>
    /// Mounts <paramref name="target"/> if nothing is mounted there, with <paramref name="olderData"/>
    /// when the kernel does not know an option of <paramref name="data"/>; returns null or an error text.
    /// </summary>
    public static string? MountIfMissing(string target, string type, string source, uint flags, string? data, List<MountEntry> current, string? olderData = null)
    {
        if (current.Any(m => m.Target == target)) return null;
        if (Sys.Stat(target, out var st) != 0) Sys.Mkdir(target, 0x1ED);
        if (Sys.Mount(source, target, type, flags, data) == 0
            || (olderData is not null && Sys.Errno == EINVAL && Sys.Mount(source, target, type, flags, olderData) == 0))
        {
            current.Add(new MountEntry(source, target, type));
            return null;
        }
        return $"unable to mount {type} on {target}: {ErrorText.Of(Sys.Errno)}";
    }

    /// <summary>
    /// Unmounts every mount but / and the API file systems, deepest (last mounted) first; what
    /// cannot be unmounted is remounted read-only, and so is / at the end. Returns (unmounted, read-only, failures).
    /// </summary>
    public static (int Unmounted, int ReadOnly, List<string> Failures) UnmountAll()
    {
        var apiTargets = Api.Select(a => a.Target).ToHashSet();
        int unmounted = 0, readOnly = 0;
        var failures = new List<string>();
        var all = Current();
        for (int i = all.Count - 1; i >= 0; i--)
        {
            var m = all[i];
            if (m.Target == "/" || apiTargets.Contains(m.Target) || m.Type is "rootfs" or "proc" or "sysfs" or "devtmpfs" or "devpts" or "cgroup2" or "securityfs" or "debugfs" or "tracefs" or "bpf")
                continue;
            if (Sys.Umount(m.Target, 0) == 0) { unmounted++; continue; }
            if (Sys.Mount(m.Source, m.Target, m.Type, MS_REMOUNT | MS_RDONLY, null) == 0) { readOnly++; continue; }
            failures.Add($"{m.Target}: {ErrorText.Of(Sys.Errno)}");
        }
        var root = all.LastOrDefault(m => m.Target == "/");
        if (root.Target == "/" && root.Type is not ("rootfs" or "tmpfs" or "ramfs"))
        {
            if (Sys.Mount(root.Source, "/", root.Type, MS_REMOUNT | MS_RDONLY, null) == 0) readOnly++;
            else failures.Add($"/: {ErrorText.Of(Sys.Errno)}");
        }
        return (unmounted, readOnly, failures);
    }

    /// <summary>/proc/mounts escapes blanks and backslashes as octal (\040).</summary>
    internal static string Unescape(string s)
    {
        if (!s.Contains('\\')) return s;
        var sb = new System.Text.StringBuilder();
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && IsOctal(s, i + 1))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else sb.Append(s[i]);
        }
        return sb.ToString();
    }

    private static bool IsOctal(string s, int at) =>
        at + 3 <= s.Length && s[at] is >= '0' and <= '7' && s[at + 1] is >= '0' and <= '7' && s[at + 2] is >= '0' and <= '7';
}
