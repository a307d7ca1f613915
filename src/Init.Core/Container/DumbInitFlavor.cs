using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Container;

/// <summary>
/// dumb-init's ways: nothing blocked in the child, signals 1–31 rewritten as asked and passed on,
/// job-control stops followed, TERM to what is left of the child's group once it exits.
/// </summary>
public sealed class DumbInitFlavor(ContainerOptions options, InheritedSignals inherited) : ChildFlavor(options)
{
    public override int LastForwardedSignal => 31;

    public override bool OwnProcessGroup => false;
    public override SignalSet ChildMask => SignalSet.Empty;
    // Having caught 1–31 with a dummy handler, dumb-init lets only ignored real-time signals survive exec.
    public override SignalSet ChildIgnored => new(inherited.Ignored.Bits & ~0x7FFF_FFFFUL);

    public override void Spawned(string program, int pid) => Debug($"Child spawned with PID {pid}.");

    public override int SpawnFailed(string program, int errno)
    {
        Output.Err($"[dumb-init] {program}: {Sys.StrError(errno)}\n");
        return 2;
    }

    public override void ChildStarted()
    {
        if (Sys.Chdir("/") < 0) Debug($"Unable to chdir(\"/\") (errno={Sys.Errno} {Sys.StrError(Sys.Errno)})");
    }

    public override void Forward(int signo, int target)
    {
        Debug($"Received signal {signo}.");
        Translate(signo, target);
        if (signo is SIGTSTP or SIGTTOU or SIGTTIN)
        {
            // Job control: the child group stopped, so do we; the shell's SIGCONT resumes us.
            Debug("Suspending self due to TTY signal.");
            Sys.Kill(Sys.GetPid(), SIGSTOP);
        }
    }

    public override void OrphanReaped(int pid, int status) => DescribeExit(pid, status);

    public override int MainChildExited(int pid, int status, int target)
    {
        int code = WaitStatus.ToExitCode(status);
        DescribeExit(pid, status);
        Translate(SIGTERM, target); // dumb-init: TERM to whatever is left of the child's group
        Debug($"Child exited with status {code}. Goodbye.");
        return code;
    }

    private void Translate(int signo, int target)
    {
        int sent = Options.Translate(signo);
        if (sent != signo) Debug($"Translating signal {signo} to {sent}.");
        if (sent == 0) { Debug($"Not forwarding signal {sent} to children (ignored)."); return; }
        Sys.Kill(target, sent);
        Debug($"Forwarded signal {sent} to children.");
    }

    private void DescribeExit(int pid, int status)
    {
        if (Options.Verbosity <= 1) return;
        Debug(WaitStatus.Signaled(status)
            ? $"A child with PID {pid} was terminated by signal {WaitStatus.TermSignal(status)}."
            : $"A child with PID {pid} exited with exit status {WaitStatus.ExitCode(status)}.");
    }

    private void Debug(string message)
    {
        if (Options.Verbosity > 1) Output.Err($"[dumb-init] {message}\n");
    }
}
