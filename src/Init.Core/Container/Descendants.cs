using Init.Boot;
using Init.Interop;

namespace Init.Container;

/// <summary>
/// The processes below us in the process tree (the shutdown's <see cref="ProcessTable"/>, limited to
/// our descendants): what a container entrypoint must stop before it exits (tini#180,
/// dumb-init#212), since the kernel would otherwise SIGKILL them without warning when the
/// namespace's PID 1 exits.
/// </summary>
public static class Descendants
{
    /// <summary>Sends <paramref name="signo"/> to each live descendant of ours; returns how many there were.</summary>
    public static int Signal(int signo)
    {
        var pids = ProcessTable.Others(descendantsOnly: true);
        foreach (var p in pids) Sys.Kill(p.Pid, signo);
        return pids.Count;
    }
}
