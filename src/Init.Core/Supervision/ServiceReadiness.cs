using System.Text;
using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Supervision;

/// <summary>
/// Whether a service is up in the sense Init's waits use (sv's -w, dependencies): running, and,
/// when it declares readiness (<c>notification-fd</c>, <c>notify-socket</c>), ready as its
/// supervisor published in <c>supervise/readiness</c>. A supervisor that writes no such file
/// (runit's runsv) cannot tell readiness: then, as runit's sv has it, up is up.
/// </summary>
public static class ServiceReadiness
{
    public const string File = "readiness";

    /// <summary>notification-fd, notify-socket, or a oneshot (ready once its up has exited 0: "ready 0").</summary>
    public static bool DeclaresReadiness(string serviceDirectory) =>
        Sys.Stat(Path.Combine(serviceDirectory, "notification-fd"), out _) == 0 || Sys.Stat(Path.Combine(serviceDirectory, "notify-socket"), out _) == 0
        || ServicePolicy.IsOneshot(serviceDirectory);

    /// <summary>The readiness half: true unless the service declares readiness and its supervisor has not published "ready PID" for <paramref name="pid"/> in <paramref name="supervise"/>.</summary>
    public static bool Ready(string serviceDirectory, string supervise, uint pid)
    {
        if (!DeclaresReadiness(serviceDirectory)) return true;
        Span<byte> buffer = stackalloc byte[64];
        int n = Sys.ReadFile(Path.Combine(supervise, File), buffer);
        if (n < 0) return Sys.Errno == ENOENT;
        return ReadinessRecord.Parse(Encoding.ASCII.GetString(buffer[..n])).Of((int)pid) == Readiness.Ready;
    }

    /// <summary>Running (state run, a pid) and ready, or a oneshot that is up (state run, no pid): what a dependent waits for.</summary>
    public static bool Up(string serviceDirectory)
    {
        string supervise = ServiceInstance.SuperviseOf(serviceDirectory);
        return SuperviseClient.ReadStatus(supervise, out var status, out _) == 0
            && status.State == RunState.Run && Up(serviceDirectory, supervise, (uint)status.Pid);
    }

    /// <summary>For a service in state run with <paramref name="pid"/>: a process that is ready, or an up oneshot (pid 0, "ready 0").</summary>
    public static bool Up(string serviceDirectory, string supervise, uint pid) =>
        (pid > 0 || ServicePolicy.IsOneshot(serviceDirectory)) && Ready(serviceDirectory, supervise, pid);
}
