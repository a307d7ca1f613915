using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Container;

/// <summary>
/// The processes below us in the process tree, found through /proc/*/stat parent pids: what a
/// container entrypoint must stop before it exits (tini#180, dumb-init#212), since the kernel
/// would otherwise SIGKILL them without warning when the namespace's PID 1 exits.
/// </summary>
public static class Descendants
{
    /// <summary>Pids of every live descendant of <paramref name="root"/> (zombies excluded).</summary>
    public static List<int> Of(int root)
    {
        var children = new Dictionary<int, List<int>>();
        Span<byte> buffer = stackalloc byte[512];
        foreach (string dir in Directory.EnumerateDirectories("/proc"))
        {
            string name = Path.GetFileName(dir);
            if (!int.TryParse(name, out int pid)) continue;
            int fd = Sys.Open(dir + "/stat", O_RDONLY);
            if (fd < 0) continue;
            int n = Sys.Read(fd, buffer);
            Sys.Close(fd);
            if (n <= 0 || !TryParseStat(buffer[..n], out char state, out int ppid) || state is 'Z' or 'X') continue;
            if (!children.TryGetValue(ppid, out var list)) children[ppid] = list = [];
            list.Add(pid);
        }
        var result = new List<int>();
        var queue = new Queue<int>();
        queue.Enqueue(root);
        while (queue.TryDequeue(out int parent))
            if (children.TryGetValue(parent, out var list))
                foreach (int child in list) { result.Add(child); queue.Enqueue(child); }
        return result;
    }

    /// <summary>"pid (comm) S ppid …": comm may hold spaces and parentheses, so parse after the last ')'.</summary>
    public static bool TryParseStat(ReadOnlySpan<byte> stat, out char state, out int ppid)
    {
        state = '?'; ppid = 0;
        int close = stat.LastIndexOf((byte)')');
        if (close < 0 || close + 4 >= stat.Length) return false;
        var rest = stat[(close + 2)..];
        state = (char)rest[0];
        rest = rest[2..];
        int end = rest.IndexOf((byte)' ');
        if (end < 0) return false;
        return int.TryParse(rest[..end], out ppid);
    }

    /// <summary>Sends <paramref name="signo"/> to each descendant of <paramref name="root"/>; returns how many there were.</summary>
    public static int Signal(int root, int signo)
    {
        var pids = Of(root);
        foreach (int pid in pids) Sys.Kill(pid, signo);
        return pids.Count;
    }
}
