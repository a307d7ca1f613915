using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Boot;

/// <summary>
/// PID 1 of a booted system: stage 1 → stage 2 → stage 3 → reboot(2), on one event loop.
/// Two flavours of the same steps: runit's (/etc/runit/1, 2, 3 with runit's rules) and the
/// built-in one (mounts, hostname, hooks, runsvdir, force-stop, unmount).
/// </summary>
public sealed class SystemInit(InitContext ctx, bool runitStages)
{
    private enum Stage { One, Two, Three }

    private Stage _stage = Stage.One;
    private ShutdownKind? _pending;
    private string _pendingReason = "";
    private int _stage2Pid, _hook2Pid;
    private Action? _afterStage2; // set when stage 3 stops stage 2 on purpose
    private Scanner? _scanner;
    private long _bootStarted;

    private BootLog Log => ctx.Log;
    private string HookPath(string name) => Path.Combine(ctx.Options.HookDirectory, name);

    public void Start()
    {
        ctx.Timeline.Begin("system", ctx.StartedMs);
        ListenForRequests();
        Log.Line(runitStages ? "stage 1: runit stages (/etc/runit/1, 2, 3)" : "stage 1: built-in stages");
        if (runitStages) RunitStage1(); else BuiltinStage1();
    }

    /// <summary>PID 1 after a failure of its own set-up: no stage 1, no services, but a shutdown request still runs stage 3.</summary>
    public void StartWithoutServices()
    {
        ListenForRequests();
        _stage = Stage.Two;
        Log.Line("stage 2: no services (recovering from an internal error); waiting for a shutdown request");
    }

    private void ListenForRequests()
    {
        _bootStarted = ctx.Loop.Now;
        var loop = ctx.Loop;
        loop.OnSignal(SIGINT, _ => CtrlAltDel());
        loop.OnSignal(SIGCONT, _ => RunitRequest());
        loop.OnSignal(SIGTERM, _ => Request(ShutdownKind.Reboot, "SIGTERM"));
        loop.OnSignal(SIGUSR1, _ => Request(ShutdownKind.Halt, "SIGUSR1"));
        loop.OnSignal(SIGUSR2, _ => Request(ShutdownKind.Poweroff, "SIGUSR2"));
        Pid1Signals.IgnoreTheRest(loop);
    }

    // ---- stage 1 -----------------------------------------------------------------------

    private void BuiltinStage1()
    {
        if (ctx.Options.Mount) MountApi();
        SetHostname();
        string? hook = Hooks.Executable(RunitFiles.Stage1, HookPath("1"));
        if (hook is null) { EnterStage2(); return; }
        Log.Line($"stage 1: running {hook}");
        if (ctx.Hooks.Start(hook, status => BuiltinStage1Done(hook, status)) == 0) BuiltinStage1Done(hook, 127 << 8);
    }

    private void BuiltinStage1Done(string hook, int status)
    {
        if (status == 0) Log.Line($"stage 1: {hook} done");
        else
        {
            Log.Warn($"stage 1: {hook} failed ({WaitStatus.Describe(status)}): going on");
            if (!string.IsNullOrEmpty(ctx.Options.EmergencyShell))
            {
                Log.Line($"stage 1: starting emergency shell {ctx.Options.EmergencyShell}");
                if (ctx.Hooks.Start(ctx.Options.EmergencyShell, _ => EnterStage2()) != 0) return;
            }
        }
        EnterStage2();
    }

    private void MountApi()
    {
        var current = Mounts.Current();
        var mounted = new List<string>(ctx.EarlyMounts);
        foreach (var (target, type, source, flags, data, olderData) in Mounts.Api)
        {
            if (current.Any(m => m.Target == target)) continue;
            if (Mounts.MountIfMissing(target, type, source, flags, data, current, olderData) is { } error) Log.Warn("stage 1: " + error);
            else mounted.Add(target);
        }
        if (mounted.Count > 0) Log.Line("stage 1: mounted " + string.Join(' ', mounted));
        if (mounted.Contains("/dev")) SystemConsole.Reopen(ctx);
    }

    private void SetHostname()
    {
        string name;
        try { name = File.ReadAllText("/etc/hostname").Split('\n')[0].Trim(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return; }
        if (name.Length == 0) return;
        if (Sys.SetHostname(name) == 0) Log.Line($"stage 1: hostname {name}");
        else Log.Warn($"stage 1: unable to set hostname {name}: {ErrorText.Of(Sys.Errno)}");
    }

    private void RunitStage1()
    {
        Log.Line($"enter stage: {RunitFiles.Stage1}");
        if (ctx.Hooks.Start(RunitFiles.Stage1, RunitStage1Done) == 0) RunitStage1Done(111 << 8);
    }

    private void RunitStage1Done(int status)
    {
        Log.Line($"leave stage: {RunitFiles.Stage1} ({WaitStatus.Describe(status)})");
        // runit: stage 1 crashing or exiting 100 means "do not start the services".
        if (!WaitStatus.Exited(status) || WaitStatus.ExitCode(status) == 100)
        {
            Log.Warn("skipping stage 2...");
            EnterStage3(_pending ?? ShutdownKind.Poweroff, "stage 1 failed");
            return;
        }
        EnterStage2();
    }

    // ---- stage 2 -----------------------------------------------------------------------

    private void EnterStage2()
    {
        _stage = Stage.Two;
        if (_pending is { } kind) { EnterStage3(kind, _pendingReason); return; }
        // Now that /run is mounted; before anything of stage 2 starts, so it all inherits INIT_TIMELINE.
        ctx.Timeline.Stage2();
        ctx.Timeline.Open(byDefault: SystemConsole.BootedByKernel(), ctx.Options.ServiceDirectory);
        if (runitStages) { StartRunitStage2(); return; }
        _scanner = ctx.NewScanner();
        _scanner.Start();
        if (Hooks.Executable(HookPath("2")) is { } hook)
        {
            Log.Line($"stage 2: running {hook}");
            _hook2Pid = ctx.Hooks.Start(hook, status => { _hook2Pid = 0; Log.Line($"stage 2: {hook} ended ({WaitStatus.Describe(status)})"); });
        }
        Log.Line($"stage 2: up {(ctx.Loop.Now - _bootStarted) / 1000.0:0.000}s after init started");
    }

    private void StartRunitStage2()
    {
        Log.Line($"enter stage: {RunitFiles.Stage2}");
        _stage2Pid = ctx.Hooks.Start(RunitFiles.Stage2, RunitStage2Done);
        if (_stage2Pid == 0) ctx.Loop.After(5000, () => { if (_stage == Stage.Two) StartRunitStage2(); });
    }

    private void RunitStage2Done(int status)
    {
        int pid = _stage2Pid;
        _stage2Pid = 0;
        if (_stage != Stage.Two) { _afterStage2?.Invoke(); return; } // stopped on purpose: stage 3 goes on
        Log.Line($"leave stage: {RunitFiles.Stage2} ({WaitStatus.Describe(status)})");
        // runit 2.3.0: exit 111 or a crash restarts stage 2 after killing its process group.
        if (!WaitStatus.Exited(status) || WaitStatus.ExitCode(status) == 111)
        {
            Sys.Kill(-pid, SIGKILL);
            Log.Warn("restarting stage 2 in 5s");
            ctx.Loop.After(5000, () => { if (_stage == Stage.Two && _stage2Pid == 0) StartRunitStage2(); });
            return;
        }
        EnterStage3(null, $"{RunitFiles.Stage2} exited");
    }

    // ---- requests ----------------------------------------------------------------------

    private void CtrlAltDel()
    {
        Log.Line("ctrl-alt-del");
        if (Hooks.Executable(RunitFiles.CtrlAltDel, HookPath("ctrlaltdel")) is { } hook)
        {
            // runit: run it, wait, then act as if SIGCONT had arrived (the hook makes stopit executable).
            ctx.Hooks.Start(hook, _ => RunitRequest());
            return;
        }
        if (ShutdownKinds.Parse(ctx.Options.CtrlAltDel) is { } kind) Request(kind, "ctrl-alt-del");
    }

    private void RunitRequest()
    {
        if (!RunitFiles.TakeStopRequest()) return; // a bare SIGCONT means nothing
        Request(RunitFiles.RebootRequested() ? ShutdownKind.Reboot : ShutdownKind.Poweroff, "runit-init (stopit)");
    }

    public void Request(ShutdownKind kind, string reason)
    {
        switch (_stage)
        {
            case Stage.One:
                Log.Line($"{kind.Verb()} requested by {reason}: after stage 1");
                _pending = kind;
                _pendingReason = reason;
                break;
            case Stage.Two:
                EnterStage3(kind, reason);
                break;
            default:
                Log.Line($"{kind.Verb()} requested by {reason}: already in stage 3");
                break;
        }
    }

    // ---- stage 3 -----------------------------------------------------------------------

    private void EnterStage3(ShutdownKind? kind, string reason)
    {
        _stage = Stage.Three;
        ctx.Timeline.Stage3();
        Log.Line($"stage 3: {(kind?.Verb() ?? "shutdown")} ({reason})");
        if (runitStages) RunitStage3(kind); else BuiltinStage3(kind ?? ShutdownKind.Poweroff);
    }

    private void RunitStage3(ShutdownKind? kind)
    {
        if (_stage2Pid > 0)
        {
            // runit: TERM to stage 2, up to 5 s, then KILL.
            int pid = _stage2Pid;
            Sys.Kill(pid, SIGTERM);
            var timer = ctx.Loop.After(5000, () => { Log.Warn($"{RunitFiles.Stage2} did not stop in 5s: SIGKILL"); Sys.Kill(pid, SIGKILL); });
            _afterStage2 = () => { _afterStage2 = null; timer.Cancel(); RunitStage3Script(kind); };
            return;
        }
        RunitStage3Script(kind);
    }

    private void RunitStage3Script(ShutdownKind? kind)
    {
        Log.Line($"enter stage: {RunitFiles.Stage3}");
        if (ctx.Hooks.Start(RunitFiles.Stage3, status => { Log.Line($"leave stage: {RunitFiles.Stage3} ({WaitStatus.Describe(status)})"); EndProcesses(kind, runitStage: true); }) == 0)
            EndProcesses(kind, runitStage: true);
    }

    private void BuiltinStage3(ShutdownKind kind)
    {
        _scanner?.Stop();
        if (_hook2Pid > 0) Sys.Kill(_hook2Pid, SIGTERM);
        var stopper = new ServiceStopper(ctx.Loop, Log, ctx.Options.ServiceDirectory, ctx.Options.StopGraceSeconds * 1000L);
        stopper.Done = _ => EndProcesses(kind, runitStage: false);
        stopper.Start();
    }

    private void EndProcesses(ShutdownKind? kind, bool runitStage)
    {
        var terminator = new ProcessTerminator(ctx.Loop, Log, ctx.Options.KillGraceSeconds * 1000L, everything: true);
        terminator.Done = () => Finish(kind, runitStage);
        terminator.Start();
    }

    private void Finish(ShutdownKind? kind, bool runitStage)
    {
        bool noSync = runitStage && File.Exists(RunitFiles.NoSync);
        if (!noSync) { Log.Line("stage 3: sync"); Sys.Sync(); }
        if (!runitStage && ctx.Options.Mount)
        {
            var (unmounted, readOnly, failures) = Mounts.UnmountAll();
            Log.Line($"stage 3: unmounted {unmounted}, read-only {readOnly}");
            foreach (string f in failures) Log.Warn("stage 3: unable to unmount " + f);
            Sys.Sync();
        }
        ShutdownKind final = kind ?? (RunitFiles.RebootRequested() ? ShutdownKind.Reboot : ShutdownKind.Poweroff);
        if (!runitStage && Hooks.Executable(HookPath("3")) is { } hook)
        {
            Log.Line($"stage 3: running {hook}");
            EventLoop.Timer? deadline = null;
            int pid = ctx.Hooks.Start(hook, status =>
            {
                // Cancelled once it ended: if reboot(2) then fails, PID 1 stays up, and a pid reused
                // by then must never get this SIGKILL.
                deadline?.Cancel();
                Log.Line($"stage 3: {hook} ended ({WaitStatus.Describe(status)})");
                Reboot(final);
            });
            if (pid > 0)
            {
                int seconds = ctx.Options.HookTimeoutSeconds;
                deadline = ctx.Loop.After(seconds * 1000L, () => { Log.Warn($"stage 3: {hook} still running after {seconds}s: killing it"); Sys.Kill(-pid, SIGKILL); Sys.Kill(pid, SIGKILL); });
                return;
            }
        }
        Reboot(final);
    }

    private bool _rebooting;

    private void Reboot(ShutdownKind kind)
    {
        if (_rebooting) return;
        _rebooting = true;
        Log.Line($"stage 3: {kind.Verb()} ({(ctx.Loop.Now - _bootStarted) / 1000.0:0.000}s after init started)");
        Sys.Sync();
        if (Sys.Reboot(kind.RebootCommand()) < 0)
            Log.Warn($"reboot(2) failed: {ErrorText.Of(Sys.Errno)}: staying up, reaping");
        // PID 1 never returns: the loop goes on reaping whatever is left.
    }
}
