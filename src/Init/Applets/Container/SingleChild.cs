using Init.Boot;
using Init.Configuration;
using Init.Container;
using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Applets.Container;

/// <summary>
/// One child under a container entrypoint: start it, forward every catchable signal to it (or its
/// process group), reap every zombie, and exit with its status; optionally stop the descendants it
/// leaves behind before exiting. Behaviour and messages follow tini or dumb-init per <see cref="Flavor"/>.
/// With <c>--services DIR</c> a supervision tree runs alongside it (multi-service container mode's
/// <see cref="ContainerInit"/>), started first and stopped (container stage 3) once the child exits.
/// </summary>
internal sealed class SingleChild(ContainerOptions options, InheritedSignals inherited)
{
    /// <summary>Orphans are collected this often (and at once whenever the main child exits).</summary>
    private const long SweepMs = 100;
    private const long GracePollMs = 20;

    private readonly TiniLog _tini = new(options.Verbosity);
    private readonly bool _tiniMode = options.Flavor == Flavor.Tini;
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
        if (_tiniMode && !pid1 && !Sys.IsSubreaper()) _tini.Warn(TiniText.ReaperWarning);

        using var loop = _loop = new EventLoop();
        loop.HandlerFailed = e => _tini.Warn("internal error: " + e.Message);
        RegisterForwarding();
        if (options.ServiceDirectory is { } directory) StartServices(directory);
        int rc = Start();
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
        if (!_tiniMode && Sys.Chdir("/") < 0) DumbDebug($"Unable to chdir(\"/\") (errno={Sys.Errno} {Sys.StrError(Sys.Errno)})");
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
        // tini hands on its own mask and ignored signals; dumb-init unblocks everything and, having
        // caught 1–31 with a dummy handler, lets only ignored real-time signals survive exec.
        var keepIgnored = _tiniMode ? inherited.Ignored : new SignalSet(inherited.Ignored.Bits & ~0x7FFF_FFFFUL);
        // tini makes the child's new group the terminal's foreground group (tcsetpgrp on stdin),
        // when stdin is our controlling terminal; ENOTTY/ENXIO are not errors for it.
        int terminal = _tiniMode && Sys.IsTerminal(0) && Sys.TcGetPgrp(0) >= 0 ? 0 : -1;
        // One child state for the command and for execvp's /bin/sh fallback below.
        SpawnRequest Request(string path, string[] arguments, bool searchPath) => new()
        {
            Path = path,
            Arguments = arguments,
            SearchPath = searchPath,
            NewSession = options.NewSession,
            NewProcessGroup = _tiniMode,
            SignalMask = _tiniMode ? inherited.Mask : SignalSet.Empty,
            KeepIgnored = keepIgnored,
            ForegroundTerminal = terminal,
        };
        int rc;
        while (true)
        {
            rc = Spawner.Spawn(Request(program, options.Command, searchPath: true), out _child);
            if (rc is ENOTTY or ENXIO && terminal >= 0) { terminal = -1; continue; }
            break;
        }
        // execvp runs a file without #! through /bin/sh; glibc's posix_spawnp no longer does (ENOEXEC).
        if (rc == ENOEXEC && ProgramPath.Find(program) is { } script)
            rc = Spawner.Spawn(Request("/bin/sh", ["/bin/sh", script, .. options.Command[1..]], searchPath: false), out _child);
        if (rc == 0)
        {
            if (_tiniMode) _tini.Info($"Spawned child process '{program}' with pid '{_child}'");
            else DumbDebug($"Child spawned with PID {_child}.");
            return 0;
        }
        if (!_tiniMode)
        {
            Output.Err($"[dumb-init] {program}: {Sys.StrError(rc)}\n");
            return 2;
        }
        TiniLog.Fatal($"exec {program} failed: {Sys.StrError(rc)}");
        return rc switch { ENOENT => 127, EACCES => 126, _ => 1 };
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
    /// Every signal a process can catch, except SIGCHLD (the runtime would reap for us), the
    /// synchronous faults tini leaves alone, glibc's two internal real-time signals, and those the
    /// runtime already owns at start (its GC suspension signal). dumb-init handles only 1–31.
    /// </summary>
    private void RegisterForwarding()
    {
        int last = _tiniMode ? 64 : 31;
        for (int s = 1; s <= last; s++)
        {
            if (s is SIGKILL or SIGSTOP or SIGCHLD or SIGFPE or SIGILL or SIGSEGV or SIGBUS or SIGABRT or SIGTRAP or SIGSYS or 32 or 33) continue;
            if (inherited.RuntimeCaught.Contains(s)) continue;
            try { _loop.OnSignal(s, Forward); }
            catch (Exception e) when (e is ArgumentException or IOException or PlatformNotSupportedException or InvalidOperationException)
            {
                _tini.Debug($"Cannot forward signal {s}: {e.Message}");
            }
        }
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
        if (_tiniMode) ForwardLikeTini(signo); else ForwardLikeDumbInit(signo);
    }

    private void ForwardLikeTini(int signo)
    {
        // tini keeps SIGTTIN/SIGTTOU ignored for itself and never passes them on.
        if (signo is SIGTTIN or SIGTTOU) return;
        _tini.Debug($"Passing signal: '{Sys.StrSignal(signo)}'");
        if (Sys.Kill(options.SignalProcessGroup ? -_child : _child, signo) < 0)
        {
            if (Sys.Errno == ESRCH) _tini.Warn("Child was dead when forwarding signal");
            else TiniLog.Fatal($"Unexpected error when forwarding signal: '{Sys.StrError(Sys.Errno)}'");
        }
    }

    private void ForwardLikeDumbInit(int signo)
    {
        DumbDebug($"Received signal {signo}.");
        DumbForward(signo);
        if (signo is SIGTSTP or SIGTTOU or SIGTTIN)
        {
            // Job control: the child group stopped, so do we; the shell's SIGCONT resumes us.
            DumbDebug("Suspending self due to TTY signal.");
            Sys.Kill(Sys.GetPid(), SIGSTOP);
        }
    }

    private void DumbForward(int signo)
    {
        int sent = options.Translate(signo);
        if (sent != signo) DumbDebug($"Translating signal {signo} to {sent}.");
        if (sent == 0) { DumbDebug($"Not forwarding signal {sent} to children (ignored)."); return; }
        Sys.Kill(options.SignalProcessGroup ? -_child : _child, sent);
        DumbDebug($"Forwarded signal {sent} to children.");
    }

    private void DumbDebug(string message)
    {
        if (!_tiniMode && options.Verbosity > 1) Output.Err($"[dumb-init] {message}\n");
    }

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
        if (_tiniMode)
        {
            _tini.Debug($"Reaped child with pid: '{pid}'");
            if (options.WarnOnReap) _tini.Warn($"Reaped zombie process with pid={pid}");
        }
        else if (options.Verbosity > 1)
        {
            DumbDebug(WaitStatus.Signaled(status)
                ? $"A child with PID {pid} was terminated by signal {WaitStatus.TermSignal(status)}."
                : $"A child with PID {pid} exited with exit status {WaitStatus.ExitCode(status)}.");
        }
    }

    private void OnMainChildExit(int status)
    {
        _childExited = true;
        int code = WaitStatus.ToExitCode(status);
        if (_tiniMode)
        {
            _tini.Debug($"Reaped child with pid: '{_child}'");
            if (WaitStatus.Signaled(status)) _tini.Info($"Main child exited with signal (with signal '{Sys.StrSignal(WaitStatus.TermSignal(status))}')");
            else _tini.Info($"Main child exited normally (with status '{code}')");
            if (options.RemapToZero[code]) code = 0;
        }
        else
        {
            DumbDebug(WaitStatus.Signaled(status)
                ? $"A child with PID {_child} was terminated by signal {WaitStatus.TermSignal(status)}."
                : $"A child with PID {_child} exited with exit status {code}.");
            DumbForward(SIGTERM); // dumb-init: TERM to whatever is left of the child's group
            DumbDebug($"Child exited with status {code}. Goodbye.");
        }
        _exitCode = code;
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
        _tini.Info($"Main child exited; sent SIGTERM to {termed} remaining descendant(s), waiting up to {options.DescendantGraceMs} ms");
        long killAt = _loop.Now + options.DescendantGraceMs;
        bool killed = false;
        void Poll()
        {
            if (NoChildrenLeft()) { _loop.Stop(); return; }
            if (!killed && _loop.Now >= killAt)
            {
                killed = true;
                int n = Descendants.Signal(SIGKILL);
                _tini.Warn($"Grace period over: sent SIGKILL to {n} remaining descendant(s)");
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
