using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Container;

/// <summary>tini's ways: its own process group for the child, the inherited mask and ignored signals handed on, every signal forwarded.</summary>
public sealed class TiniFlavor(ContainerOptions options, InheritedSignals inherited) : ChildFlavor(options)
{
    public override int LastForwardedSignal => 64;

    public override void Starting(bool pid1)
    {
        if (Options.Subreaper && Sys.IsSubreaper()) Log.Trace("Registered as child subreaper");
        if (!pid1 && !Sys.IsSubreaper()) Log.Warn(TiniText.ReaperWarning);
    }

    public override bool OwnProcessGroup => true;
    public override SignalSet ChildMask => inherited.Mask;
    public override SignalSet ChildIgnored => inherited.Ignored;

    /// <summary>tini makes the child's new group the terminal's foreground group (tcsetpgrp on stdin) when stdin is our controlling terminal.</summary>
    public override int ForegroundTerminal() => Sys.IsTerminal(0) && Sys.TcGetPgrp(0) >= 0 ? 0 : -1;

    public override void Spawned(string program, int pid)
    {
        if (Log.InfoEnabled) Log.Info($"Spawned child process '{program}' with pid '{pid}'");
    }

    public override int SpawnFailed(string program, int errno)
    {
        TiniLog.Fatal($"exec {program} failed: {Sys.StrError(errno)}");
        return errno switch { ENOENT => 127, EACCES => 126, _ => 1 };
    }

    public override void Forward(int signo, int target)
    {
        // tini keeps SIGTTIN/SIGTTOU ignored for itself and never passes them on.
        if (signo is SIGTTIN or SIGTTOU) return;
        // Every signal passes here: its line (strsignal, a string) only when it is printed.
        if (Log.DebugEnabled) Log.Debug($"Passing signal: '{Sys.StrSignal(signo)}'");
        if (Sys.Kill(target, signo) < 0)
        {
            if (Sys.Errno == ESRCH) Log.Warn("Child was dead when forwarding signal");
            else TiniLog.Fatal($"Unexpected error when forwarding signal: '{Sys.StrError(Sys.Errno)}'");
        }
    }

    // Init learns of exits through pidfds, a sweep and (once its signalfd is read) SIGCHLD, which
    // may stand for several; tini's line for the signal is kept (scripts grep for it), one per reaped child.
    public override void OrphanReaped(int pid, int status)
    {
        DebugReaped(pid);
        if (Options.WarnOnReap) Log.Warn($"Reaped zombie process with pid={pid}");
    }

    public override int MainChildExited(int pid, int status, int target)
    {
        int code = WaitStatus.ToExitCode(status);
        DebugReaped(pid);
        if (Log.InfoEnabled)
        {
            if (WaitStatus.Signaled(status)) Log.Info($"Main child exited with signal (with signal '{Sys.StrSignal(WaitStatus.TermSignal(status))}')");
            else Log.Info($"Main child exited normally (with status '{code}')");
        }
        if (Log.TraceEnabled)
        {
            // tini's reaping loop then finds no child left (or none exited yet), and exits.
            Log.Trace(Sys.HasChildren() ? "No child to reap" : "No child to wait");
            Log.Trace("Exiting: child has exited");
        }
        return Options.RemapToZero[code] ? 0 : code;
    }

    /// <summary>tini's two lines for each child it reaps (its SIGCHLD, then the pid), at verbosity 3.</summary>
    private void DebugReaped(int pid)
    {
        if (!Log.DebugEnabled) return;
        Log.Debug("Received SIGCHLD");
        Log.Debug($"Reaped child with pid: '{pid}'");
    }
}
