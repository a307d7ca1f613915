using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Runtime;

/// <summary>
/// The descriptor limit of a process that holds a few descriptors per service (the engine: lock,
/// control, ok and the directory itself per supervise/, the log pipe, a pidfd per process). <see cref="Raise"/> lifts the
/// soft limit to the hard one (as root, the hard one to the kernel's fs.nr_open too), and
/// <see cref="Spawner"/> puts the original limits back for every child, so a service never sees a
/// limit it did not have under runit (select() loops and close-everything loops depend on it).
/// </summary>
public static class FdLimit
{
    private const string NrOpen = "/proc/sys/fs/nr_open";
    private static Rlimit _original, _raised;

    /// <summary>True once <see cref="Raise"/> changed the limits.</summary>
    public static bool Raised { get; private set; }

    /// <summary>The soft limit now in force, for messages that name it.</summary>
    public static ulong Current => Sys.GetRlimit(RLIMIT_NOFILE, out var l) == 0 ? l.Current : 0;

    /// <summary>
    /// Whether this process is out of descriptors now: a pipe (two, as the runtime's own signal pipe
    /// needs) cannot be made. For failures that carry no errno, such as the runtime's type initialisers.
    /// </summary>
    public static bool Exhausted()
    {
        if (Sys.Pipe(out int r, out int w) == 0)
        {
            Sys.Close(r);
            Sys.Close(w);
            return false;
        }
        return Sys.Errno == EMFILE;
    }

    /// <summary>Raises this process's limit as far as it may go; false (limits unchanged) when it cannot.</summary>
    public static bool Raise()
    {
        if (Sys.GetRlimit(RLIMIT_NOFILE, out var original) < 0) return false;
        var wanted = original;
        if (Sys.GetUid() == 0 && ReadNrOpen() is ulong max && max > wanted.Maximum) wanted.Maximum = max;
        wanted.Current = wanted.Maximum;
        if (wanted.Current == original.Current && wanted.Maximum == original.Maximum) return true;
        if (Sys.SetRlimit(RLIMIT_NOFILE, wanted) < 0)
        {
            // A container may forbid raising the hard limit: the soft one up to it is always allowed.
            wanted = original with { Current = original.Maximum };
            // Already there: nothing to put back around every spawn.
            if (wanted.Current == original.Current) return true;
            if (Sys.SetRlimit(RLIMIT_NOFILE, wanted) < 0) return false;
        }
        _original = original;
        _raised = wanted;
        Raised = true;
        return true;
    }

    /// <summary>Around one spawn: the child inherits the limits this process started with.</summary>
    internal static void ForChild() { if (Raised) Sys.SetRlimit(RLIMIT_NOFILE, _original); }

    /// <summary>After the spawn: back to the raised limits (the hard one is only lowered for root, who may raise it again).</summary>
    internal static void ForSelf() { if (Raised) Sys.SetRlimit(RLIMIT_NOFILE, _raised); }

    private static ulong? ReadNrOpen()
    {
        Span<byte> buffer = stackalloc byte[32];
        int n = Sys.ReadFile(NrOpen, buffer);
        return n > 0 && ulong.TryParse(System.Text.Encoding.ASCII.GetString(buffer[..n]).Trim(), out ulong v) ? v : null;
    }
}
