using System.Text;
using Init.Interop;

namespace Init.Supervision;

/// <summary>
/// A service's processes without cgroups, through the process tree: the descendants of its
/// ./run, and the orphans (a double fork, a <c>setsid</c> daemon) the engine got as their
/// subreaper, which carry the service's mark in the environment they started with
/// (<see cref="MarkVariable"/>) and their descendants. What it cannot find: a process that
/// escaped both ways (it emptied its environment and left the tree), which only a cgroup holds.
/// </summary>
public static class ServiceTree
{
    /// <summary>Set for every process the engine starts for a service when it has no cgroups: the service's directory (and instance).</summary>
    public const string MarkVariable = "INIT_SERVICE";

    /// <summary>Every live process of the service marked <paramref name="mark"/> whose ./run is <paramref name="pid"/> (0: none runs).</summary>
    public static List<int> Members(int pid, string mark)
    {
        var found = new List<int>();
        var roots = new List<int>();
        if (pid > 0) roots.Add(pid);
        byte[] wanted = Encoding.UTF8.GetBytes(MarkVariable + "=" + mark + "\0");
        foreach (int child in Children(Sys.GetPid()))
            if (child != pid && HasMark(child, wanted)) roots.Add(child);
        foreach (int root in roots) Collect(root, found);
        return found;
    }

    private static void Collect(int pid, List<int> found)
    {
        var pending = new Stack<int>();
        pending.Push(pid);
        while (pending.Count > 0 && found.Count < 65536)
        {
            int next = pending.Pop();
            if (found.Contains(next)) continue;
            found.Add(next);
            foreach (int child in Children(next)) pending.Push(child);
        }
    }

    /// <summary>The children of every thread of <paramref name="pid"/> (an orphan goes to whichever thread of its subreaper the kernel picks).</summary>
    public static List<int> Children(int pid)
    {
        var children = new List<int>();
        string[] tasks;
        try { tasks = Directory.GetDirectories($"/proc/{pid}/task"); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return children; }
        Span<byte> buffer = stackalloc byte[4096];
        foreach (string task in tasks)
        {
            int n = Sys.ReadFile(Path.Combine(task, "children"), buffer);
            if (n <= 0) continue;
            foreach (var word in Encoding.ASCII.GetString(buffer[..n]).Split(' ', StringSplitOptions.RemoveEmptyEntries))
                if (int.TryParse(word, out int child)) children.Add(child);
        }
        return children;
    }

    /// <summary>One buffer for every environ read (the supervisors' one thread): not 64 KiB of garbage per process looked at.</summary>
    private static byte[]? s_environ;

    private static bool HasMark(int pid, byte[] wanted)
    {
        var buffer = s_environ ??= new byte[1 << 16];
        int n = Sys.ReadFile($"/proc/{pid}/environ", buffer);
        if (n <= 0) return false;
        var environ = buffer.AsSpan(0, n);
        // An entry starts the block or follows a NUL.
        int at = environ.IndexOf(wanted);
        while (at >= 0)
        {
            if (at == 0 || environ[at - 1] == 0) return true;
            int next = environ[(at + 1)..].IndexOf(wanted);
            at = next < 0 ? -1 : at + 1 + next;
        }
        return false;
    }
}
