using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Boot;

/// <summary>
/// The signals PID 1 listens to. Acted on: INT (ctrl-alt-del, after reboot(RB_DISABLE_CAD)),
/// CONT (runit-init's request: look at the stopit file), TERM (reboot), USR1 (halt), USR2
/// (poweroff) — busybox init's meanings. Caught and ignored, so the runtime never applies a
/// default action to them: HUP, QUIT, ALRM, PWR, WINCH, TSTP, TTIN, TTOU, URG, IO, XCPU, XFSZ,
/// VTALRM, PROF. Everything else keeps the kernel's rule for PID 1: a signal with the default
/// action is not delivered at all. SIGCHLD is never caught (children are reaped via pidfds and
/// a waitpid sweep).
/// </summary>
public static class Pid1Signals
{
    public static readonly int[] Ignored = [SIGHUP, SIGQUIT, SIGALRM, SIGPWR, SIGWINCH, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGIO, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF];

    public static void IgnoreTheRest(EventLoop loop)
    {
        foreach (int s in Ignored)
        {
            try { loop.OnSignal(s, _ => { }); }
            catch (Exception e) when (e is ArgumentException or PlatformNotSupportedException or IOException) { }
        }
    }
}
