using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Supervision;

/// <summary>
/// No duplicate after a crash: a supervisor that starts on a <c>supervise/</c> whose last status
/// names a running process takes that process over instead of starting ./run again, and takes
/// back the log pipe the service and its logger still share.
/// <para>
/// A process is adopted only when it is provably the one recorded: with <c>supervise/identity</c>
/// (written by Init), the same pid, start time and boot; without it (a status left by runit's
/// runsv), a start time within <see cref="ClockSlackSeconds"/> of the status time and a working
/// directory that is the service directory. A reused pid matches neither.
/// </para>
/// </summary>
public static class Adoption
{
    /// <summary>runit stamps the status just after fork; /proc counts in ticks from an integral btime.</summary>
    public const long ClockSlackSeconds = 2;

    /// <summary>The status to resume from, when the process it names is still the one that supervisor started.</summary>
    public static StatusRecord? Find(SuperviseDirectory files, string serviceDirectory)
    {
        if (files.ReadPrevious() is not { } previous) return null;
        var (status, identity) = previous;
        if (status.Pid <= 0 || status.State == RunState.Down) return null;
        if (identity is not null)
            return ProcessIdentity.Parse(identity) is { } id && id.Pid == status.Pid && id.StillRunning ? status : null;
        if (ProcessIdentity.StartedUnixSeconds(status.Pid) is not long started
            || Math.Abs(started - status.Since.UnixSeconds) > ClockSlackSeconds) return null;
        string? cwd = Sys.Readlink($"/proc/{status.Pid}/cwd");
        return cwd is not null && cwd == Sys.RealDirectory(serviceDirectory) ? status : null;
    }

    /// <summary>
    /// Both ends of the pipe between an adopted service (its stdout) and its adopted logger (its
    /// stdin), opened anew through /proc/PID/fd: a pipe opened there is the same pipe, so the
    /// supervisor holds it again and later restarts of either side are joined to the other. The
    /// logger's pipe wins when the two differ (new services then feed the logger that runs). Null
    /// when neither end is an anonymous pipe any more.
    /// </summary>
    public static (int Read, int Write)? RecoverLogPipe(int servicePid, int loggerPid)
    {
        if (loggerPid > 0 && IsAnonymousPipe(loggerPid, 0) && Open(loggerPid, 0) is { } viaLogger) return viaLogger;
        if (servicePid > 0 && IsAnonymousPipe(servicePid, 1) && Open(servicePid, 1) is { } viaService) return viaService;
        return null;
    }

    /// <summary>Whether <paramref name="fd"/> of the process is an anonymous pipe ("pipe:[N]"), not a file or a named FIFO.</summary>
    private static bool IsAnonymousPipe(int pid, int fd) =>
        Sys.Readlink($"/proc/{pid}/fd/{fd}") is { } link && link.StartsWith("pipe:[", StringComparison.Ordinal);

    private static (int, int)? Open(int pid, int fd)
    {
        string path = $"/proc/{pid}/fd/{fd}";
        // Read end first, so the write end's non-blocking open finds a reader; then both blocking, as children expect.
        int read = Sys.Open(path, O_RDONLY | O_NONBLOCK);
        if (read < 0) return null;
        int write = Sys.Open(path, O_WRONLY | O_NONBLOCK);
        if (write < 0 || Sys.SetNonBlocking(read, false) < 0 || Sys.SetNonBlocking(write, false) < 0)
        {
            Sys.Close(read);
            if (write >= 0) Sys.Close(write);
            return null;
        }
        return (read, write);
    }
}
