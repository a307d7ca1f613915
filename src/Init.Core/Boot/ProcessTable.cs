using System.Text;
using Init.Interop;
using Init.Runtime;

namespace Init.Boot;

/// <summary>One line of /proc/PID/stat that matters to a shutdown: who it is and whose child.</summary>
public readonly record struct ProcessInfo(int Pid, int ParentPid, char State, string Name);

/// <summary>
/// The processes visible in /proc, minus kernel threads: what is left to TERM and KILL at
/// shutdown, and the names the console reports for the ones that had to be killed.
/// </summary>
public static class ProcessTable
{
    private const uint PF_KTHREAD = 0x00200000;

    public static List<ProcessInfo> Snapshot()
    {
        var result = new List<ProcessInfo>();
        string[] entries;
        try { entries = Directory.GetDirectories("/proc"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return result; }
        foreach (string dir in entries)
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            if (Read(pid) is { } info) result.Add(info);
        }
        return result;
    }

    /// <summary>The processes other than us (and kernel threads and zombies) that a shutdown must end.</summary>
    public static List<ProcessInfo> Others(bool descendantsOnly)
    {
        int self = Sys.GetPid();
        var all = Snapshot();
        var live = all.Where(p => p.Pid != self && p.State != 'Z' && p.State != 'X').ToList();
        if (!descendantsOnly) return live;
        var parents = all.ToDictionary(p => p.Pid, p => p.ParentPid);
        return live.Where(p => IsDescendant(p.Pid, self, parents)).ToList();
    }

    private static bool IsDescendant(int pid, int ancestor, Dictionary<int, int> parents)
    {
        for (int i = 0; i < 4096 && parents.TryGetValue(pid, out int parent); i++)
        {
            if (parent == ancestor) return true;
            if (parent <= 1) return false;
            pid = parent;
        }
        return false;
    }

    public static ProcessInfo? Read(int pid)
    {
        var info = ProcStat.Of(pid) is { } stat ? Of(stat) : null;
        return info is { } i && Argv0(pid) is { } name ? i with { Name = name } : info;
    }

    /// <summary>Basename of argv[0]: the applet name, where comm would say "init" for every applet of this binary.</summary>
    private static string? Argv0(int pid)
    {
        Span<byte> buffer = stackalloc byte[256];
        int n = Sys.ReadFile($"/proc/{pid}/cmdline", buffer);
        if (n <= 0) return null;
        var first = buffer[..n];
        int end = first.IndexOf((byte)0);
        if (end >= 0) first = first[..end];
        int space = first.IndexOf((byte)' ');
        if (space > 0) first = first[..space];
        int slash = first.LastIndexOf((byte)'/');
        if (slash >= 0) first = first[(slash + 1)..];
        return first.IsEmpty ? null : Encoding.UTF8.GetString(first);
    }

    /// <summary>Parses "pid (comm) state ppid pgrp session tty tpgid flags …"; null for kernel threads or garbage.</summary>
    public static ProcessInfo? Parse(string stat) => ProcStat.Parse(stat) is { } parsed ? Of(parsed) : null;

    /// <summary>A process of the table; null for a kernel thread.</summary>
    private static ProcessInfo? Of(ProcStat stat) =>
        (stat.Flags & PF_KTHREAD) == 0 ? new ProcessInfo(stat.Pid, stat.ParentPid, stat.State, stat.Comm) : null;
}
