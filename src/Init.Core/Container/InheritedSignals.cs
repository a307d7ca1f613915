using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Container;

/// <summary>
/// The signal state we were started with, to hand on to the child as tini does (its sigconf test).
/// Captured at the top of the applet, before any PosixSignalRegistration exists:
/// <list type="bullet">
/// <item>Mask: the main thread's sigprocmask, exact (the runtime does not change the main thread's mask).</item>
/// <item>Ignored: /proc/self/status SigIgn, exact except SIGPIPE: the runtime sets SIGPIPE to
/// SIG_IGN before Main, so an inherited SIG_IGN for SIGPIPE cannot be told from the runtime's and
/// SIGPIPE is always reset to default (what nearly every caller starts us with anyway).</item>
/// <item>Caught: SigCgt, the signals the runtime already owns (e.g. its GC suspension signal):
/// we must not register those.</item>
/// </list>
/// </summary>
public readonly record struct InheritedSignals(SignalSet Mask, SignalSet Ignored, SignalSet RuntimeCaught)
{
    public static InheritedSignals Capture()
    {
        Sys.GetSignalMask(out ulong mask);   // 0 (nothing blocked) if it failed
        SignalSet ignored = default, caught = default;
        Span<byte> buffer = stackalloc byte[4096];
        int n = Sys.ReadFile("/proc/self/status", buffer);
        if (n > 0)
        {
            string text = System.Text.Encoding.ASCII.GetString(buffer[..n]);
            ignored = SignalSet.InStatus(text, "SigIgn:");
            caught = SignalSet.InStatus(text, "SigCgt:");
        }
        ignored = new SignalSet(ignored.Bits & ~SignalSet.Of(SIGPIPE).Bits);
        return new InheritedSignals(new SignalSet(mask), ignored, caught);
    }
}
