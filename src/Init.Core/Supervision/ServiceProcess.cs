using static Init.Interop.Consts;
using Init.Runtime;

namespace Init.Supervision;

public enum Want : byte { Up, Down, Exit }

/// <summary>Whether ./run has said it is ready (s6's notification-fd): only for a service that declares it can.</summary>
public enum Readiness : byte { None, Starting, Ready, Stopping }

/// <summary>What a <see cref="ServiceProcess"/> asks of the world; the supervisor implements it, tests fake it.</summary>
public interface IServiceActions
{
    /// <summary>Starts ./run (or ./finish with the last status); returns the pid, or 0 when it could not be started.</summary>
    int Spawn(ServiceProcess process, bool finish);
    /// <summary>
    /// Starts <c>control/&lt;command&gt;</c> when it is executable and returns true; the world then calls
    /// <see cref="ServiceProcess.OverrideFinished"/> once it has exited (true when it exited 0, "handled").
    /// False when there is no such override (or it could not start): the process goes on at once.
    /// </summary>
    bool StartOverride(char command);
    bool HasFinish { get; }
    /// <summary>
    /// Whether ./run may start now as far as other services go (its <c>dependencies.d</c>): false
    /// makes the process wait, and the world asks for <see cref="ServiceProcess.Reconcile"/> again.
    /// </summary>
    bool MayStart();
    /// <summary>./run will be able to say when it is ready (a valid <c>notification-fd</c>): it starts as <see cref="Readiness.Starting"/>.</summary>
    bool DeclaresReadiness { get; }
    void Signal(int pid, int signo);
    /// <summary>
    /// A signal for the service as a whole (a stop, <c>k</c>, <c>p</c>, <c>c</c>): every process the
    /// world knows to be the service's (its cgroup), else <paramref name="pid"/> alone.
    /// </summary>
    void SignalAll(int pid, int signo);
    /// <summary>Writes supervise/status, stat and pid.</summary>
    void Publish(ServiceProcess process);
    /// <summary>Asks for <see cref="ServiceProcess.Reconcile"/> again at this monotonic time.</summary>
    void WakeAt(long monotonicMs);
    long Now { get; }
    /// <summary>The service directory's stop and restart files (<see cref="ServicePolicy.Runit"/> when it has none).</summary>
    ServicePolicy Policy { get; }
    /// <summary>Says what the supervisor did on its own to the process (a deadline passed), as a warning under the service's name.</summary>
    void Report(string message);
    /// <summary>
    /// Tells the services that need this one (dependencies.d) to stop, and returns true when some are
    /// still up: the process then waits until the world calls <see cref="ServiceProcess.DependantsStopped"/>.
    /// False when none is up (or the StopDependants setting is off): the stop goes on at once.
    /// </summary>
    bool StopDependants();
}

/// <summary>
/// One supervised process (the service, or its logger) as runit's runsv drives it: states
/// down/run/finish, want up/down/exit, the paused and TERM-sent flags. What each control byte and
/// each exit does is data, <see cref="RunsvTable"/>; this class keeps the state and runs the
/// table's steps over <see cref="IServiceActions"/>, so every cell is testable without processes.
/// Differences from runsv: the 1-second restart rule delays only the restart (a timer) instead
/// of freezing the supervisor in sleep(1); and a <c>control/&lt;c&gt;</c> override is waited for
/// without blocking. runsv sits in waitpid() until it exits; here every control byte and exit that
/// arrives meanwhile is held back and applied afterwards as runsv's loop then finds them: the
/// exit first (it reaps before it reads), then the bytes one per turn, each followed by the loop
/// top (start ./run or ./finish when due).
/// <para>
/// Beyond runsv, from <see cref="IServiceActions.Policy"/> (all off for a runit directory): the stop
/// signal is the down-signal; <c>timeout-kill</c> and <c>timeout-finish</c> are deadlines after which
/// ./run (once told to stop) or ./finish is killed; <c>restart-backoff</c> delays the restart after
/// each exit of a crash loop, doubling; <c>restart-limit</c> makes a service that dies too often
/// "failed" (wanted down until told <c>u</c>); <c>type</c> <c>oneshot</c> runs s6-rc's <c>up</c> and
/// <c>down</c> (<see cref="RunsvTable.OneshotUp"/>). Deadlines and delays are asked for with <see cref="IServiceActions.WakeAt"/>.
/// </para>
/// </summary>
public sealed class ServiceProcess(bool isLog, IServiceActions actions)
{
    public const long MinimumRunMs = 1000;

    /// <summary>The wait status of an exit nobody could collect (an adopted process that was not our child).</summary>
    public const int UnknownStatus = EventLoop.UnknownStatus;

    public bool IsLog { get; } = isLog;
    public RunState State { get; private set; } = RunState.Down;
    public Want Want { get; private set; } = Want.Up;
    public int Pid { get; private set; }
    public bool Paused { get; private set; }
    public bool TermSent { get; private set; }
    public Tai64N Since { get; private set; } = Tai64N.Now();
    /// <summary>How many times ./run has exited (so a last exit status is worth publishing).</summary>
    public int Exits { get; private set; }
    /// <summary>Starting from ./run's start until it says it is ready, for a service that declares readiness; None otherwise.</summary>
    public Readiness Readiness { get; private set; }
    /// <summary>Wait status of the last ./run exit, passed to ./finish (<see cref="UnknownStatus"/> when it could not be collected).</summary>
    public int LastStatus { get; private set; }

    /// <summary>A control/&lt;c&gt; override is running: exits and control bytes are held back until it has exited.</summary>
    public bool Busy => _waiting is not null;

    /// <summary>Which child is alive, as the table's control cells are keyed.</summary>
    public Child Child => Pid == 0 ? Child.None : State == RunState.Finish ? Child.Finish : Child.Run;

    private long _startedMs = long.MinValue / 2;
    private bool _oncePending;
    /// <summary>The cell that waits for a control/&lt;c&gt; override, and where it goes on.</summary>
    private Step[]? _waiting;
    private int _resumeAt;
    /// <summary>The last override's result, read by the steps after it.</summary>
    private bool _handled;
    private int _exitStatus;
    private readonly Queue<int> _heldExits = new();
    private readonly Queue<char> _heldBytes = new();
    /// <summary>When the live child is SIGKILLed (timeout-kill or timeout-finish), or null.</summary>
    private long? _killAtMs;
    /// <summary>When ./run must have said it is ready (timeout-up), or null.</summary>
    private long? _readyByMs;
    /// <summary>When ./run must have sent its next WATCHDOG=1 (watchdog-timeout), or null.</summary>
    private long? _watchdogAtMs;
    /// <summary>SIGKILL after a stop the supervisor started itself (timeout-up, watchdog) when there is no timeout-kill.</summary>
    public const long AbortKillMs = 5000;
    private long _exitedMs = long.MinValue / 2;
    /// <summary>Why the running ./run will have ended if it ends now: on its own, unless the supervisor gave up on it.</summary>
    private ExitCause _cause;

    /// <summary>The restart delay the backoff now applies (0: restart as runit, one second after the start).</summary>
    public long RestartDelayMs { get; private set; }
    /// <summary>Monotonic time of the next start of ./run while one waits for its delay, else 0.</summary>
    public long NextStartMs { get; private set; }
    /// <summary>How often ./run was started again by this supervisor.</summary>
    public int Restarts { get; private set; }
    private bool _started;

    /// <summary>The restart limit was reached: wanted down, and so until the next <c>u</c>.</summary>
    public bool Failed { get; private set; }
    /// <summary>Monotonic times of the deaths remembered (exits nobody asked for), oldest first, at most max-death-tally.</summary>
    private readonly Queue<long> _deaths = new();
    /// <summary>Deaths remembered (s6's death tally), within the restart limit's window when there is one.</summary>
    public int Deaths => _deaths.Count;

    /// <summary>A oneshot's up succeeded: it is up with no process (state run, pid 0).</summary>
    public bool OneshotIsUp => State == RunState.Run && Pid == 0 && actions.Policy.Oneshot;
    /// <summary>An up oneshot was told <c>t</c>: run down, then up again.</summary>
    private bool _rerun;

    public StatusRecord Status => new(Since, Pid, Paused, Want == Want.Up ? 'u' : 'd', TermSent, State);

    /// <summary>Initial want from a <c>down</c> file, read once at start-up as runsv does.</summary>
    public void StartDown() => Want = Want.Down;

    /// <summary>
    /// Takes over a process a previous supervisor left running (see <see cref="Adoption"/>): its
    /// pid, state and flags as that supervisor last published them, and no new ./run.
    /// </summary>
    public void Adopt(StatusRecord previous, Readiness readiness = Readiness.None)
    {
        Readiness = previous.State == RunState.Run ? readiness : Readiness.None;
        Pid = previous.Pid;
        State = previous.State;
        Since = previous.Since;
        Paused = previous.Paused;
        TermSent = previous.TermSent;
        Want = previous.Want == 'u' ? Want.Up : Want.Down;
    }

    /// <summary>Carries on a predecessor's want (after a hand-over): what it was told, whether or not its process survived.</summary>
    public void Resume(Want want)
    {
        Want = want;
        _oncePending = false;
    }

    /// <summary>The loop-top rule of runsv: start ./run when wanted up (or once), ./finish when finishing.</summary>
    public void Reconcile()
    {
        if (_killAtMs is { } killAt && Pid != 0 && !Busy)
        {
            if (actions.Now >= killAt)
            {
                _killAtMs = null;
                Execute(RunsvTable.OnTimeout, 0);
            }
            else actions.WakeAt(killAt);
        }
        // A stop asked for (got TERM) is under timeout-kill's rule, not these.
        if (TermSent) _readyByMs = _watchdogAtMs = null;
        if (_readyByMs is { } readyBy && Pid != 0 && !Busy)
        {
            if (actions.Now >= readyBy)
            {
                _readyByMs = null;
                actions.Report($"not {(actions.Policy.Oneshot ? "up" : "ready")} {actions.Policy.TimeoutUpMs} ms after its start (timeout-up): stopping it");
                _cause = ExitCause.Timeout;
                Execute(RunsvTable.OnNotUp, 0);
            }
            else actions.WakeAt(readyBy);
        }
        if (_watchdogAtMs is { } watchdog && Pid != 0 && !Busy)
        {
            if (actions.Now >= watchdog)
            {
                _watchdogAtMs = null;
                actions.Report($"no WATCHDOG=1 for {actions.Policy.WatchdogMs} ms (watchdog-timeout): aborting it");
                _cause = ExitCause.Watchdog;
                Execute(RunsvTable.OnWatchdog, 0);
            }
            else actions.WakeAt(watchdog);
        }
        for (int attempt = 0; attempt < 3 && Pid == 0 && !Busy; attempt++)
        {
            if (OneshotIsUp)
            {
                if ((Want == Want.Up || _oncePending) && !_rerun) return;
                Execute(RunsvTable.OneshotStop(actions.HasFinish), 0);
                continue;
            }
            bool finish = State == RunState.Finish;
            if (!finish && !(Want == Want.Up || _oncePending)) return;
            if (!finish)
            {
                long notBefore = Math.Max(_startedMs + MinimumRunMs, _exitedMs + RestartDelayMs);
                if (actions.Now < notBefore)
                {
                    if (NextStartMs != notBefore) { NextStartMs = notBefore; PublishRestart(); }
                    actions.WakeAt(notBefore);
                    return;
                }
                if (NextStartMs != 0) { NextStartMs = 0; PublishRestart(); }
                if (!actions.MayStart()) return;
            }
            Execute(RunsvTable.AtLoopTop(finish, IsLog), 0);
        }
    }

    /// <summary>The child (./run or ./finish) with <see cref="Pid"/> was reaped with <paramref name="waitStatus"/>.</summary>
    public void Exited(int waitStatus)
    {
        if (Busy) { _heldExits.Enqueue(waitStatus); return; }
        _exitStatus = waitStatus;
        if (actions.Policy.Oneshot && State == RunState.Run && WaitStatus.Succeeded(waitStatus))
        {
            Execute(RunsvTable.OneshotUp, 0);
            return;
        }
        // runsv looks for ./finish only when ./run exited, and never for the logger; a oneshot's down is no ./finish.
        bool finishFile = !IsLog && State != RunState.Finish && !actions.Policy.Oneshot && actions.HasFinish;
        Execute(RunsvTable.OnExit(State, IsLog, finishFile), 0);
    }

    /// <summary>One control byte, as runsv's ctrl(): unknown bytes are ignored.</summary>
    public void Control(char command)
    {
        if (Busy) { _heldBytes.Enqueue(command); return; }
        Execute(command == 't' && OneshotIsUp ? RunsvTable.OneshotRestart : RunsvTable.OnControl(command, Child, IsLog), 0);
    }

    /// <summary>The override started by <see cref="IServiceActions.StartOverride"/> has exited; the rest of its cell, then what was held back.</summary>
    public void OverrideFinished(bool handled)
    {
        var cell = _waiting ?? throw new InvalidOperationException("no control override is running");
        _waiting = null;
        _handled = handled;
        Execute(cell, _resumeAt);   // the rest of ctrl(), ending with the loop top
        while (!Busy && _heldExits.TryDequeue(out int status)) Exited(status);
        while (!Busy && _heldBytes.TryDequeue(out char command)) Control(command);   // each cell ends with the loop top
        Reconcile();
    }

    /// <summary>What <see cref="IServiceActions.StopDependants"/> waited for is over (they are down, or the wait ran out): the stop goes on.</summary>
    public void DependantsStopped() => OverrideFinished(false);

    /// <summary>./run with <paramref name="pid"/> said it is ready (a newline on its notification-fd).</summary>
    public void Notified(int pid)
    {
        if (pid != Pid || State != RunState.Run || Readiness != Readiness.Starting) return;
        Readiness = Readiness.Ready;
        _readyByMs = null;
        actions.Publish(this);
    }

    /// <summary>
    /// The supervisor gives up on the running ./run on its own (its health check failed too often):
    /// reported, the down-signal and a KILL later, as for timeout-up; its exit is a death.
    /// </summary>
    public void GiveUp(string message)
    {
        if (Pid == 0 || State != RunState.Run || Busy) return;
        actions.Report(message);
        _cause = ExitCause.Watchdog;
        Execute(RunsvTable.OnNotUp, 0);
    }

    /// <summary>sd_notify WATCHDOG=1 from ./run: the watchdog's deadline starts again.</summary>
    public void WatchdogPing()
    {
        if (Pid == 0 || State != RunState.Run || actions.Policy.WatchdogMs <= 0) return;
        _watchdogAtMs = actions.Now + actions.Policy.WatchdogMs;
        actions.WakeAt(_watchdogAtMs.Value);
    }

    /// <summary>sd_notify WATCHDOG=trigger: as if the watchdog's deadline had passed.</summary>
    public void WatchdogTrigger()
    {
        if (Pid == 0 || State != RunState.Run) return;
        _watchdogAtMs = actions.Now;
        actions.WakeAt(actions.Now);
    }

    /// <summary>sd_notify STOPPING=1: ./run says it is on its way out; it is no longer ready (what dependants wait for).</summary>
    public void Stopping()
    {
        if (Pid == 0 || State != RunState.Run || Readiness == Readiness.None) return;
        Readiness = Readiness.Stopping;
        _readyByMs = null;
        actions.Publish(this);
    }

    /// <summary>
    /// sd_notify EXTEND_TIMEOUT_USEC: whichever deadline runs now (timeout-up while starting,
    /// timeout-kill or timeout-finish while stopping) is not before <paramref name="ms"/> from now.
    /// </summary>
    public void ExtendTimeout(long ms)
    {
        long until = actions.Now + ms;
        if (_readyByMs is { } readyBy && readyBy < until) _readyByMs = until;
        if (_killAtMs is { } killAt && killAt < until) _killAtMs = until;
    }

    /// <summary>For the logger when the service has gone for good: never start again.</summary>
    public void Retire()
    {
        Want = Want.Exit;
        actions.Publish(this);
    }

    /// <summary>Runs <paramref name="cell"/> from step <paramref name="from"/> until its end or an override that must be waited for.</summary>
    private void Execute(Step[] cell, int from)
    {
        if (from == 0) _handled = false;
        for (int i = from; i < cell.Length; i++)
        {
            if (Apply(cell[i])) continue;
            _waiting = cell;
            _resumeAt = i + 1;
            return;
        }
    }

    /// <summary>One step; false when a control/&lt;c&gt; now runs and the rest of the cell waits for it.</summary>
    private bool Apply(Step step)
    {
        switch (step.Op)
        {
            case Op.WantUp: Want = Want.Up; ClearFailure(); break;
            case Op.WantDown: Want = Want.Down; break;
            // Beyond runsv: d keeps an exit already wanted (only u takes it back). A d reaching a service
            // after its x, as a dependency stopping first sends during `sv exit a b`, would otherwise
            // leave its supervisor down for good.
            case Op.WantDownUnlessExit: if (Want != Want.Exit) Want = Want.Down; break;
            case Op.WantExit: Want = Want.Exit; break;
            case Op.ForgetOnce: _oncePending = false; break;
            case Op.ArmOnce: _oncePending = true; break;
            case Op.Publish: actions.Publish(this); break;
            case Op.Override: return !StartOverride(step.Command);
            case Op.StopDependants: return !actions.StopDependants();
            case Op.OverrideAsWanted: return !StartOverride(Want switch { Want.Down => 'd', Want.Exit => 'x', _ => '\0' });
            case Op.Signal:
                if (_handled) break;
                // k, p, c and a deadline's KILL are for the whole service; h, a, i, q, 1, 2 for ./run, as runit's.
                if (step.Signo is SIGKILL or SIGSTOP or SIGCONT) actions.SignalAll(Pid, step.Signo);
                else actions.Signal(Pid, step.Signo);
                break;
            case Op.Term:
                if (_handled) break;
                actions.SignalAll(Pid, actions.Policy.DownSignal);
                TermSent = true;
                actions.Publish(this);
                break;
            case Op.ArmKill:
                if (!_handled && _killAtMs is null && actions.Policy.TimeoutKillMs > 0) ArmKill(actions.Policy.TimeoutKillMs);
                break;
            case Op.ArmFinishKill:
                if (Pid != 0 && actions.Policy.TimeoutFinishMs > 0) ArmKill(actions.Policy.TimeoutFinishMs);
                break;
            case Op.NoteExit: NoteExit(); break;
            case Op.ContUnlessWantUp: if (Want != Want.Up) actions.SignalAll(Pid, SIGCONT); break;
            case Op.MarkDown: State = RunState.Down; _rerun = false; break;
            case Op.Pause: Paused = true; break;
            case Op.Unpause: Paused = false; break;
            case Op.ForgetPid: Pid = 0; TermSent = false; Readiness = Readiness.None; _killAtMs = _readyByMs = _watchdogAtMs = null; break;
            case Op.Abort: actions.SignalAll(Pid, step.Signo == 0 ? actions.Policy.DownSignal : step.Signo); break;
            case Op.ArmAbortKill:
                if (_killAtMs is null) ArmKill(actions.Policy.TimeoutKillMs > 0 ? actions.Policy.TimeoutKillMs : AbortKillMs);
                break;
            case Op.RecordStatus: LastStatus = _exitStatus; Exits++; break;
            case Op.EnterFinish: State = RunState.Finish; break;
            case Op.Stamp: Since = Tai64N.Now(); break;
            case Op.LaunchRun: Launch(finish: false); break;
            case Op.LaunchFinish: _rerun = false; Launch(finish: true); break;
            case Op.Reconcile: Reconcile(); break;
            case Op.Ready: Readiness = Readiness.Ready; RestartDelayMs = 0; break;
            case Op.Rerun: _rerun = true; break;
            default: throw new InvalidOperationException($"unknown step {step.Op}");
        }
        return true;
    }

    /// <summary>Only a service with a backoff shows its restart state (supervise/restart): a runit one's files stay as they were.</summary>
    private void PublishRestart()
    {
        if (actions.Policy.Backoff is not null) actions.Publish(this);
    }

    private void ArmKill(long afterMs)
    {
        _killAtMs = actions.Now + afterMs;
        actions.WakeAt(_killAtMs.Value);
    }

    /// <summary>
    /// ./run exited: an exit nobody asked for (wanted up, no down-signal sent) that the restart-policy
    /// does not restart leaves it wanted down. With a backoff, such an exit after a run shorter than
    /// its reset time doubles the delay (from its minimum, up to its maximum); a longer run, or a stop
    /// that was asked for, clears it. Without one, nothing: runit's 1-second rule.
    /// </summary>
    private void NoteExit()
    {
        bool unasked = Want == Want.Up && !TermSent;
        CountDeath(unasked);
        if (unasked && Want == Want.Up && actions.Policy.Restart is { } restart && !restart.Restarts(_exitStatus, _cause))
        {
            Want = Want.Down;
            actions.Report($"{WaitStatus.Describe(_exitStatus)}: not started again ({RestartPolicy.File}: {restart})");
        }
        if (actions.Policy.Backoff is not { } backoff)
        {
            if (RestartDelayMs != 0) { RestartDelayMs = 0; actions.Publish(this); }
            return;
        }
        _exitedMs = actions.Now;
        bool crashed = unasked && _exitedMs - _startedMs < backoff.ResetMs;
        long delay = !crashed ? 0 : RestartDelayMs == 0 ? backoff.MinMs : Math.Min(RestartDelayMs * 2, backoff.MaxMs);
        if (delay != RestartDelayMs) { RestartDelayMs = delay; actions.Publish(this); }
    }

    /// <summary>
    /// Remembers an unasked-for exit (at most max-death-tally of them, and only those within the
    /// restart limit's window); DEATHS of them within the window make the service failed: wanted
    /// down (./finish still runs), which only <c>u</c> (sv up, sv restart) undoes.
    /// </summary>
    private void CountDeath(bool unasked)
    {
        if (!unasked || actions.Policy.Limit is not { } limit) return;
        long now = actions.Now;
        _deaths.Enqueue(now);
        while (_deaths.Count > actions.Policy.DeathTally || now - _deaths.Peek() > limit.WindowMs) _deaths.Dequeue();
        if (_deaths.Count >= limit.Deaths)
        {
            Failed = true;
            Want = Want.Down;
        }
        actions.Publish(this);
    }

    private void ClearFailure()
    {
        if (!Failed && _deaths.Count == 0) return;
        Failed = false;
        _deaths.Clear();
        RestartDelayMs = 0;
        actions.Publish(this);
    }

    /// <summary>runsv's custom(): true when control/&lt;c&gt; started and must be waited for; '\0' asks for none.</summary>
    private bool StartOverride(char command)
    {
        _handled = false;
        return command != '\0' && actions.StartOverride(command);
    }

    private void Launch(bool finish)
    {
        int pid = actions.Spawn(this, finish);
        if (!finish)
        {
            if (_started) Restarts++;
            _started = true;
            Since = Tai64N.Now();
            _startedMs = actions.Now;
            State = RunState.Run;
            _cause = ExitCause.OnItsOwn;
        }
        Pid = pid;
        Paused = false;
        TermSent = false;
        Readiness = !finish && pid != 0 && actions.DeclaresReadiness ? Readiness.Starting : Readiness.None;
        _readyByMs = Readiness == Readiness.Starting && actions.Policy.TimeoutUpMs > 0 ? actions.Now + actions.Policy.TimeoutUpMs : null;
        _watchdogAtMs = !finish && pid != 0 && actions.Policy.WatchdogMs > 0 ? actions.Now + actions.Policy.WatchdogMs : null;
        if (_readyByMs is { } readyBy) actions.WakeAt(readyBy);
        if (_watchdogAtMs is { } watchdog) actions.WakeAt(watchdog);
        if (pid == 0)
        {
            // Exec failed: runsv's child would exit 111 at once; behave the same without a process.
            Exited(111 << 8);
            return;
        }
        actions.Publish(this);
    }
}
