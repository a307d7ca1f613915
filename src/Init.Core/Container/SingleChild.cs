using Init.Boot;
using Init.Configuration;
using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Container;

/// <summary>
/// One child under a container entrypoint: start it, forward every catchable signal to it (or its
/// process group), reap every zombie, and exit with its status; optionally stop the descendants it
/// leaves behind before exiting. Behaviour and messages follow tini or dumb-init (<see cref="ChildFlavor"/>).
/// With <c>--services DIR</c> a supervision tree runs alongside it (multi-service container mode's
/// <see cref="ContainerInit"/>), started first and stopped (container stage 3) once the child exits.
/// </summary>
public sealed class SingleChild(ContainerOptions options, InheritedSignals inherited)
{
    /// <summary>Orphans are collected this often until SIGCHLD is read from the signalfd (and at once whenever the main child exits).</summary>
    private const long SweepMs = 100;
    private const long GracePollMs = 20;

    private readonly ChildFlavor _flavor = ChildFlavor.For(options, inherited);
    private TiniLog Log => _flavor.Log;
    private EventLoop _loop = null!;
    private int _child;
    private bool _childExited;
    private int _exitCode;
    private ContainerInit? _services;

    public int Run()
    {
        if (options.ParentDeathSignal != 0 && Sys.Prctl(PR_SET_PDEATHSIG, (ulong)options.ParentDeathSignal) < 0)
        {
            TiniLog.Fatal("Failed to set up parent death signal");
            return 1;
        }
        bool pid1 = Sys.GetPid() == 1;
        // Waiting for descendants needs them re-parented to us when their parents die.
        // So do the services' processes whose runsv dies (as multi-service container mode is).
        bool subreaper = options.Subreaper || ((options.DescendantGraceMs >= 0 || options.ServiceDirectory is not null) && !pid1);
        if (subreaper && Sys.Prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
        {
            TiniLog.Fatal(Sys.Errno == EINVAL
                ? "PR_SET_CHILD_SUBREAPER is unavailable on this platform. Are you using Linux >= 3.4?"
                : "Failed to register as child subreaper: " + Sys.StrError(Sys.Errno));
            return 1;
        }
        _flavor.Starting(pid1);

        var forwarded = Forwarded();
        // Before the loop's first PosixSignalRegistration starts the runtime's signal thread, which inherits the mask.
        using var direct = DirectSignals.Block(forwarded.With(SIGCHLD), _flavor.ForwardsSentFaults ? Faults : SignalSet.Empty);
        // Not disposed: Run's return ends the process, and the kernel drops the handlers and
        // descriptors with it; putting back some 30 signal dispositions one by one was a twentieth
        // of what `init -- /bin/true` adds to its start-up.
        var loop = _loop = new EventLoop();
        loop.HandlerFailed = e => Log.Warn("internal error: " + e.Message);
        bool takenFirst = TakesSignalsFirst;
        if (takenFirst) TakeSignals(forwarded, direct);
        if (options.ServiceDirectory is { } directory) StartServices(directory);
        int rc = Start();
        if (!takenFirst && rc == 0) TakeSignals(forwarded, direct);
        if (rc != 0)
        {
            if (_services is null) return rc;
            // The services started already: stop them before exiting with the spawn error's code.
            _childExited = true;
            // From inside the loop: Run() clears a Stop() made before it.
            loop.After(0, () => StopServices("main command failed to start"));
            loop.EnableSweep(SweepMs);
            loop.Run();
            return rc;
        }
        _flavor.ChildStarted();
        loop.OrphanReaped = OnOrphanReaped;
        loop.WatchChild(_child, OnMainChildExit);
        loop.EnableSweep(SweepMs);
        loop.Run();
        return _exitCode;
    }

    // ---- start -------------------------------------------------------------------------

    private int Start()
    {
        string program = options.Command[0];
        int terminal = _flavor.ForegroundTerminal();
        string? controlling = _flavor.ControllingTerminal();
        // One child state for the command and for execvp's /bin/sh fallback below.
        SpawnRequest Request(string path, string[] arguments, bool searchPath) => new()
        {
            Path = path,
            Arguments = arguments,
            SearchPath = searchPath,
            NewSession = options.NewSession,
            NewProcessGroup = _flavor.OwnProcessGroup,
            SignalMask = _flavor.ChildMask,
            KeepIgnored = _flavor.ChildIgnored,
            ForegroundTerminal = terminal,
            ControllingTerminal = controlling,
        };
        int rc;
        while (true)
        {
            rc = Spawner.Spawn(Request(program, options.Command, searchPath: true), out _child);
            // ENOTTY/ENXIO from tcsetpgrp are not errors for tini: start without the terminal.
            if (rc is ENOTTY or ENXIO && terminal >= 0) { terminal = -1; continue; }
            // The terminal could not be opened as the child's: dumb-init's child goes on without it too.
            if (rc != 0 && controlling is not null) { controlling = null; continue; }
            break;
        }
        // execvp runs a file without #! through /bin/sh; glibc's posix_spawnp no longer does (ENOEXEC).
        if (rc == ENOEXEC && ProgramPath.Find(program) is { } script)
            rc = Spawner.Spawn(Request("/bin/sh", ["/bin/sh", script, .. options.Command[1..]], searchPath: false), out _child);
        if (rc != 0) return _flavor.SpawnFailed(program, rc);
        _flavor.Spawned(program, _child);
        return 0;
    }

    private const int ENOTTY = 25, ENOEXEC = 8;

    /// <summary>
    /// The container's services, before the main command (s6-overlay's order). Settings as in
    /// multi-service container mode (init.conf, INIT_StopGraceSeconds …); the directory is ours.
    /// </summary>
    private void StartServices(string directory)
    {
        var log = new BootLog("init");
        var first = InitConfiguration.Load(null, null, [], _ => { }); // only for ConfigFile; warnings come next
        var settings = InitConfiguration.Load(first.ConfigFile, null, [], log.Warn);
        // runsvdir runs in "/": a relative DIR means the one relative to where we were started.
        settings.ServiceDirectory = Path.GetFullPath(directory);
        _services = ContainerInit.Create(_loop, settings);
        _services.StartServices();
    }

    private void StopServices(string reason)
    {
        _services!.Stopped = _loop.Stop;
        _services.Stop(reason);
    }

    // ---- signals -----------------------------------------------------------------------

    /// <summary>
    /// Whether the signals are taken before the child is started. Usually they are taken just after:
    /// the runtime's signal thread and some 30 registrations then run while the child execs, instead
    /// of before it (they were a sixth of what <c>init -- /bin/true</c> adds to its start-up, tini's
    /// whole margin). Until they are, the set is blocked on this thread and a signal reaches the
    /// runtime's finalizer thread with its default action, as one sent while the runtime starts does:
    /// the spawn widens that window by a fraction of a millisecond. They come first when the services
    /// start before the child (that takes a while) or stdin is a terminal: ctrl-c may come at any
    /// moment, and dumb-init's hand-off of the terminal sends us SIGHUP and SIGCONT before the spawn.
    /// </summary>
    private bool TakesSignalsFirst => options.ServiceDirectory is not null || Sys.IsTerminal(0);

    private void TakeSignals(SignalSet forwarded, DirectSignals direct)
    {
        RegisterForwarding(forwarded);
        direct.Watch(_loop, OnDirectSignal, ReadingDirectly, CannotReadDirectly);
    }

    /// <summary>
    /// dumb-init passes these on when they are sent (kill(2), <c>docker kill -s</c>); tini leaves
    /// them alone. The runtime's signal registration cannot take them (its handler would return into
    /// a real fault forever; the runtime's own SEGV and FPE handler could turn a sent one into a
    /// NullReferenceException), so they only ever come through <see cref="DirectSignals"/>, ignored
    /// meanwhile: a sent one never kills Init, a real one still crashes it.
    /// </summary>
    private static readonly SignalSet Faults = SignalSet.Of(SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV, SIGSYS);

    /// <summary>
    /// Every signal a process can catch, except SIGCHLD (ours: it means a child exited), the faults
    /// where tini leaves them alone, glibc's two internal real-time signals, and those the runtime
    /// already owns at start (its GC suspension signal). dumb-init handles only 1–31.
    /// </summary>
    private SignalSet Forwarded()
    {
        var set = SignalSet.Empty;
        for (int s = 1; s <= _flavor.LastForwardedSignal; s++)
        {
            if (s is SIGKILL or SIGSTOP or SIGCHLD or 32 or 33) continue;
            if (Faults.Contains(s) ? !_flavor.ForwardsSentFaults : inherited.RuntimeCaught.Contains(s)) continue;
            set = set.With(s);
        }
        return set;
    }

    /// <summary>
    /// Until <see cref="DirectSignals"/> reads them, the forwarded signals come through the runtime's
    /// registration (the faults cannot: they stay ignored until then).
    /// </summary>
    private void RegisterForwarding(SignalSet forwarded)
    {
        for (int s = 1; s <= 64; s++)
        {
            if (!forwarded.Contains(s) || Faults.Contains(s)) continue;
            try { _loop.OnSignal(s, Forward); }
            catch (Exception e) when (e is ArgumentException or IOException or PlatformNotSupportedException or InvalidOperationException)
            {
                Log.Debug($"Cannot forward signal {s}: {e.Message}");
            }
        }
    }

    /// <summary>A signal from the signalfd: SIGCHLD means a child exited (reaped at once, as tini does); the rest are passed on.</summary>
    private void OnDirectSignal(int signo)
    {
        if (signo == SIGCHLD) _loop.Sweep();
        else Forward(signo);
    }

    /// <summary>
    /// SIGCHLD now comes from the signalfd with every exit, so the sweep is only a safety net: once a
    /// second, as tini's sigtimedwait times out, instead of ten idle wake-ups a second.
    /// </summary>
    private void ReadingDirectly() => _loop.ChangeSweepInterval(IdleSweepMs);

    private const long IdleSweepMs = 1000;

    private void CannotReadDirectly(string why)
    {
        if (_flavor.ForwardsSentFaults) Log.Warn($"SEGV, BUS, FPE, ILL, TRAP, ABRT and SYS cannot be forwarded ({why}): they are ignored");
        else Log.Debug($"Signals stay with the runtime's handler ({why})");
    }

    private void Forward(int signo)
    {
        // Stage 3 of the services is under way: it sends its own signals, in its own order.
        if (_childExited && _services is not null) return;
        if (_childExited)
        {
            // Grace period: the main child is gone; the signal is for whoever it left behind.
            Descendants.Signal(signo);
            return;
        }
        _flavor.Forward(signo, ChildTarget);
    }

    /// <summary>Where signals for the child go: the child, or its whole process group.</summary>
    private int ChildTarget => options.SignalProcessGroup ? -_child : _child;

    // ---- exits -------------------------------------------------------------------------

    /// <summary>
    /// Orphans come in bursts (a shell's pipeline, a forking server): after a sweep that found one,
    /// look again soon instead of after the full interval, so zombies never pile up for long.
    /// </summary>
    private void SweepSoon()
    {
        if (_quickSweepPending || _childExited) return;
        _quickSweepPending = true;
        _loop.After(QuickSweepMs, () => { _quickSweepPending = false; _loop.Sweep(); });
    }

    private bool _quickSweepPending;
    private const long QuickSweepMs = 5;

    private void OnOrphanReaped(int pid, int status)
    {
        SweepSoon();
        _flavor.OrphanReaped(pid, status);
    }

    private void OnMainChildExit(int status)
    {
        _childExited = true;
        _exitCode = _flavor.MainChildExited(_child, status, ChildTarget);
        // tini: the zombies already there are reaped in the same pass, then it exits.
        _loop.Sweep();
        if (_services is not null) { StopServices("main command exited"); return; }
        if (options.DescendantGraceMs < 0) { _loop.Stop(); return; }
        StopDescendants();
    }

    /// <summary>
    /// Init's addition: TERM every remaining descendant, reap until none is left or the grace
    /// period ends, then KILL what is left and reap that too (tini#180, dumb-init#212).
    /// </summary>
    private void StopDescendants()
    {
        int termed = Descendants.Signal(SIGTERM);
        Log.Info($"Main child exited; sent SIGTERM to {termed} remaining descendant(s), waiting up to {options.DescendantGraceMs} ms");
        long killAt = _loop.Now + options.DescendantGraceMs;
        bool killed = false;
        void Poll()
        {
            if (NoChildrenLeft()) { _loop.Stop(); return; }
            if (!killed && _loop.Now >= killAt)
            {
                killed = true;
                int n = Descendants.Signal(SIGKILL);
                Log.Warn($"Grace period over: sent SIGKILL to {n} remaining descendant(s)");
                killAt = _loop.Now + 2000;
            }
            else if (killed && _loop.Now >= killAt) { _loop.Stop(); return; }
            _loop.After(GracePollMs, Poll);
        }
        Poll();
    }

    /// <summary>Reaps what is ready; true once waitpid says we have no children at all (ECHILD).</summary>
    private bool NoChildrenLeft()
    {
        while (true)
        {
            int pid = Sys.WaitPid(-1, out int status, WNOHANG);
            if (pid > 0) { OnOrphanReaped(pid, status); continue; }
            return pid < 0 && Sys.Errno == ECHILD;
        }
    }
}
