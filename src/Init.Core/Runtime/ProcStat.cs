using System.Text;
using Init.Interop;

namespace Init.Runtime;

/// <summary>
/// The fields of /proc/PID/stat that Init uses, read in one place. The command name (field 2) is in
/// parentheses and may hold anything, spaces and parentheses included, so the fields after it are
/// counted from its last ')'. Fields a kernel does not give (the argument range before 3.5) are 0.
/// </summary>
/// <param name="Flags">Field 9, the kernel's PF_* flags (PF_KTHREAD marks a kernel thread).</param>
/// <param name="StartTicks">Field 22, when the process started, in clock ticks since boot: fixed for its life, exec included.</param>
/// <param name="ArgStart">Field 48, where the kernel reads the process's argv from (with <paramref name="ArgEnd"/>, field 49).</param>
public readonly record struct ProcStat(int Pid, string Comm, char State, int ParentPid, uint Flags, ulong StartTicks, ulong ArgStart, ulong ArgEnd)
{
    /// <summary>Zombie or dead: the pid names no running process.</summary>
    public bool Gone => State is 'Z' or 'X';

    /// <summary>/proc/PID/stat now, or null when the process is gone or the text unreadable.</summary>
    public static ProcStat? Of(int pid) => Read($"/proc/{pid}/stat");

    public static ProcStat? OfSelf() => Read("/proc/self/stat");

    private static ProcStat? Read(string path)
    {
        Span<byte> buffer = stackalloc byte[1024];
        int n = Sys.ReadFile(path, buffer);
        return n > 0 ? Parse(Encoding.UTF8.GetString(buffer[..n])) : null;
    }

    /// <summary>The fields of one stat line; null unless it has at least the first nine.</summary>
    public static ProcStat? Parse(string stat)
    {
        int open = stat.IndexOf('('), close = stat.LastIndexOf(')');
        if (open < 0 || close < open || !int.TryParse(stat.AsSpan(0, open).Trim(), out int pid)) return null;
        // After "pid (comm)" come fields 3, 4, …: field k is at index k - 3.
        string[] f = stat[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (f.Length < 7 || f[0].Length != 1 || !int.TryParse(f[1], out int ppid) || !uint.TryParse(f[6], out uint flags)) return null;
        return new ProcStat(pid, stat[(open + 1)..close], f[0][0], ppid, flags, Field(f, 22), Field(f, 48), Field(f, 49));
    }

    private static ulong Field(string[] fields, int number) =>
        fields.Length > number - 3 && ulong.TryParse(fields[number - 3], out ulong value) ? value : 0;
}
