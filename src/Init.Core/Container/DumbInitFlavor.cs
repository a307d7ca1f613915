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

    public override bool ForwardsSentFaults => true;

    public override bool OwnProcessGroup => false;
    public override SignalSet ChildMask => SignalSet.Empty;
    // Having caught 1–31 with a dummy handler, dumb-init lets only ignored real-time signals survive exec.
    public override SignalSet ChildIgnored => new(inherited.Ignored.Bits & ~0x7FFF_FFFFUL);

    /// <summary>Signals the kernel sends when a session leader gives up its terminal: not the child's business (dumb-init#136).</summary>
    private readonly HashSet<int> _handOff = [];

    /// <summary>
    /// In setsid mode with a terminal on stdin, dumb-init gives it up (TIOCNOTTY) so that its
    /// child, in a new session, can take it: `docker run -it` then has job control and ctrl-c.
    /// Called once our signal handlers are in place: the SIGHUP this brings would end us otherwise.
    /// </summary>
    public override string? ControllingTerminal()
    {
        if (!Options.NewSession || !Sys.IsTerminal(0)) return null;
        if (Sys.DetachTerminal(0) < 0)
        {
            Debug($"Unable to detach from controlling tty (errno={Sys.Errno} {Sys.StrError(Sys.Errno)}).");
        }
        else if (Sys.GetSid() == Sys.GetPid())
        {
            Debug("Detached from controlling tty, ignoring the first SIGHUP and SIGCONT we receive.");
            _handOff.Add(SIGHUP);
            _handOff.Add(SIGCONT);
        }
        else Debug("Detached from controlling tty, but was not session leader.");
        return Sys.Readlink("/proc/self/fd/0") is { } tty && tty.StartsWith("/dev/", StringComparison.Ordinal) ? tty : null;
    }

    public override void Spawned(string program, int pid)
    {
        Debug($"Child spawned with PID {pid}.");
        // dumb-init's child says this once it has its session (and terminal); ours cannot speak before exec.
        if (Options.NewSession) Debug("setsid complete.");
    }

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
        if (Verbose) Debug($"Received signal {signo}.");
        if (_handOff.Remove(signo))
        {
            Debug($"Ignoring tty hand-off signal {signo}.");
            return;
        }
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
        if (sent != signo && Verbose) Debug($"Translating signal {signo} to {sent}.");
        if (sent == 0) { if (Verbose) Debug($"Not forwarding signal {sent} to children (ignored)."); return; }
        Sys.Kill(target, sent);
        if (Verbose) Debug($"Forwarded signal {sent} to children.");
    }

    private void DescribeExit(int pid, int status)
    {
        if (!Verbose) return;
        // dumb-init learns of exits from SIGCHLD and says so; Init from pidfds and sweeps too, but the lines are the same.
        Debug($"Received signal {SIGCHLD}.");
        Debug(WaitStatus.Signaled(status)
            ? $"A child with PID {pid} was terminated by signal {WaitStatus.TermSignal(status)}."
            : $"A child with PID {pid} exited with exit status {WaitStatus.ExitCode(status)}.");
    }

    /// <summary>-v: its lines are made only then (signals and exits pass here by the thousand).</summary>
    private bool Verbose => Options.Verbosity > 1;

    private void Debug(string message)
    {
        if (Verbose) Output.Err($"[dumb-init] {message}\n");
    }
}
