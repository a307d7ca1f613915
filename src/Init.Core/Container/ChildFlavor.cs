using Init.Runtime;

namespace Init.Container;

/// <summary>
/// What differs between tini and dumb-init around their one child, so that <see cref="SingleChild"/>
/// holds only what they share: the state the child starts in, how a signal is passed on, what is
/// said along the way and how the child's exit becomes the exit code.
/// </summary>
public abstract class ChildFlavor(ContainerOptions options)
{
    public static ChildFlavor For(ContainerOptions options, InheritedSignals inherited) =>
        options.Flavor == Flavor.Tini ? new TiniFlavor(options, inherited) : new DumbInitFlavor(options, inherited);

    protected ContainerOptions Options { get; } = options;

    /// <summary>Init's own lines (grace period, internal errors), in tini's form under either name.</summary>
    public TiniLog Log { get; } = new(options.Verbosity);

    /// <summary>The highest signal number caught and passed on (tini: every one; dumb-init: 1–31).</summary>
    public abstract int LastForwardedSignal { get; }

    /// <summary>Said once at start, before the child exists.</summary>
    public virtual void Starting(bool pid1) { }

    /// <summary>SEGV, BUS, FPE, ILL, TRAP, ABRT and SYS are passed on when sent (dumb-init; tini leaves them alone).</summary>
    public virtual bool ForwardsSentFaults => false;

    /// <summary>The child gets a process group of its own.</summary>
    public abstract bool OwnProcessGroup { get; }

    /// <summary>The child's signal mask.</summary>
    public abstract SignalSet ChildMask { get; }

    /// <summary>The signals the child starts with ignored; every other disposition is the default.</summary>
    public abstract SignalSet ChildIgnored { get; }

    /// <summary>The terminal whose foreground group the child's becomes, or -1.</summary>
    public virtual int ForegroundTerminal() => -1;

    /// <summary>The terminal the child takes as its controlling terminal (we give it up first), or null.</summary>
    public virtual string? ControllingTerminal() => null;

    public abstract void Spawned(string program, int pid);

    /// <summary>Reports a child that could not be started and returns the exit code for it.</summary>
    public abstract int SpawnFailed(string program, int errno);

    /// <summary>After a successful start, before the loop (dumb-init leaves its cwd).</summary>
    public virtual void ChildStarted() { }

    /// <summary>Passes <paramref name="signo"/> on to <paramref name="target"/> (the child, or -its group).</summary>
    public abstract void Forward(int signo, int target);

    public abstract void OrphanReaped(int pid, int status);

    /// <summary>Reports the main child's exit and returns the exit code it becomes.</summary>
    public abstract int MainChildExited(int pid, int status, int target);
}
