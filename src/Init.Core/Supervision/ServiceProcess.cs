using static Init.Interop.Consts;
using Init.Runtime;

namespace Init.Supervision;

public enum Want : byte { Up, Down, Exit }

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
    void Signal(int pid, int signo);
    /// <summary>Writes supervise/status, stat and pid.</summary>
    void Publish(ServiceProcess process);
    /// <summary>Asks for <see cref="ServiceProcess.Reconcile"/> again at this monotonic time.</summary>
    void WakeAt(long monotonicMs);
    long Now { get; }
}

/// <summary>
/// One supervised process (the service, or its logger) as runit's runsv drives it: states
/// down/run/finish, want up/down/exit, the paused and TERM-sent flags, and the reaction to each
/// control byte and each exit. Pure logic over <see cref="IServiceActions"/>, so every transition
/// is testable without processes. Differences from runsv, none visible on the protocol: the
/// 1-second restart rule delays only the restart (a timer) instead of freezing the supervisor in
/// sleep(1); and a <c>control/&lt;c&gt;</c> override is waited for without blocking: runsv sits in
/// waitpid() until it exits, so here every control byte and exit that arrives meanwhile is held
/// back and applied afterwards, in order, exactly as runsv would read them once it returned.
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
    /// <summary>Wait status of the last ./run exit, passed to ./finish (<see cref="UnknownStatus"/> when it could not be collected).</summary>
    public int LastStatus { get; private set; }

    /// <summary>A control/&lt;c&gt; override is running: events wait in <see cref="_heldBack"/> until it has exited.</summary>
    public bool Busy => _afterOverride is not null;

    private long _startedMs = long.MinValue / 2;
    private bool _oncePending;
    private Action<bool>? _afterOverride;
    private readonly Queue<(bool IsExit, char Command, int ExitStatus)> _heldBack = new();

    public StatusRecord Status => new(Since, Pid, Paused, Want == Want.Up ? 'u' : 'd', TermSent, State);

    /// <summary>Initial want from a <c>down</c> file, read once at start-up as runsv does.</summary>
    public void StartDown() => Want = Want.Down;

    /// <summary>
    /// Takes over a process a previous supervisor left running (see <see cref="Adoption"/>): its
    /// pid, state and flags as that supervisor last published them, and no new ./run.
    /// </summary>
    public void Adopt(StatusRecord previous)
    {
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

    /// <summary>The loop-top rule of runsv: start ./run when wanted up, ./finish when finishing.</summary>
    public void Reconcile()
    {
        for (int attempt = 0; attempt < 3 && Pid == 0 && !Busy; attempt++)
        {
            bool finish = State == RunState.Finish;
            if (!finish && !(Want == Want.Up || _oncePending)) return;
            if (!finish)
            {
                long notBefore = _startedMs + MinimumRunMs;
                if (actions.Now < notBefore) { actions.WakeAt(notBefore); return; }
            }
            Start(finish);
        }
    }

    private void Start(bool finish)
    {
        if (finish) { Launch(finish: true); return; }
        _oncePending = false;
        WithOverride('u', _ => Launch(finish: false));
    }

    private void Launch(bool finish)
    {
        int pid = actions.Spawn(this, finish);
        if (!finish)
        {
            Since = Tai64N.Now();
            _startedMs = actions.Now;
            State = RunState.Run;
        }
        Pid = pid;
        Paused = false;
        TermSent = false;
        if (pid == 0)
        {
            // Exec failed: runsv's child would exit 111 at once; behave the same without a process.
            Exited(111 << 8);
            return;
        }
        actions.Publish(this);
    }

    /// <summary>The child (./run or ./finish) with <see cref="Pid"/> was reaped with <paramref name="waitStatus"/>.</summary>
    public void Exited(int waitStatus)
    {
        if (Busy) { _heldBack.Enqueue((true, '\0', waitStatus)); return; }
        Pid = 0;
        TermSent = false;
        if (!IsLog && State != RunState.Finish && actions.HasFinish)
        {
            LastStatus = waitStatus;
            State = RunState.Finish;
            actions.Publish(this);
            return;
        }
        if (State != RunState.Finish) LastStatus = waitStatus;
        State = RunState.Down;
        Since = Tai64N.Now();
        actions.Publish(this);
    }

    /// <summary>One control byte, as runsv's ctrl(): unknown bytes are ignored.</summary>
    public void Control(char command)
    {
        if (Busy) { _heldBack.Enqueue((false, command, 0)); return; }
        switch (command)
        {
            case 'd':
                Want = Want.Down;
                _oncePending = false;
                actions.Publish(this);
                StopIfRunning();
                break;
            case 'u':
                Want = Want.Up;
                actions.Publish(this);
                Reconcile();
                break;
            case 'x' when IsLog:
                Reconcile();
                break;
            case 'x':
                Want = Want.Exit;
                _oncePending = false;
                actions.Publish(this);
                StopIfRunning();
                break;
            case 't':
                StopIfRunning();
                break;
            case 'k':
                // runsv marks it down at once; the exit that follows is handled as any other.
                OverrideOrSignal('k', SIGKILL, () => { State = RunState.Down; Reconcile(); });
                break;
            case 'p':
                OverrideOrSignal('p', SIGSTOP, () => { Paused = true; actions.Publish(this); Reconcile(); });
                break;
            case 'c':
                OverrideOrSignal('c', SIGCONT, () => { Paused = false; actions.Publish(this); Reconcile(); });
                break;
            case 'o':
                Want = Want.Down;
                actions.Publish(this);
                if (Pid == 0) _oncePending = true;
                Reconcile();
                break;
            default:
                int signo = SignalFor(command);
                if (signo != 0) OverrideOrSignal(command, signo, Reconcile);
                else Reconcile();
                break;
        }
    }

    /// <summary>The override started by <see cref="IServiceActions.StartOverride"/> has exited; what was held back follows.</summary>
    public void OverrideFinished(bool handled)
    {
        var then = _afterOverride ?? throw new InvalidOperationException("no control override is running");
        _afterOverride = null;
        then(handled);
        while (!Busy && _heldBack.TryDequeue(out var e))
        {
            if (e.IsExit) Exited(e.ExitStatus);
            else Control(e.Command);
        }
        Reconcile();
    }

    /// <summary>The signal-only control bytes of runit's protocol.</summary>
    public static int SignalFor(char command) => command switch
    {
        'a' => SIGALRM,
        'h' => SIGHUP,
        'i' => SIGINT,
        'q' => SIGQUIT,
        '1' => SIGUSR1,
        '2' => SIGUSR2,
        _ => 0,
    };

    /// <summary>For the logger when the service has gone for good: never start again.</summary>
    public void Retire()
    {
        Want = Want.Exit;
        actions.Publish(this);
    }

    /// <summary>runsv's custom(): the logger has no overrides; otherwise control/&lt;c&gt; decides, once it has exited.</summary>
    private void WithOverride(char command, Action<bool> then)
    {
        if (IsLog || !actions.StartOverride(command)) { then(false); return; }
        _afterOverride = then;
    }

    /// <summary>"if (pid &amp;&amp; !custom(c)) kill(pid, signo)", then <paramref name="after"/> either way.</summary>
    private void OverrideOrSignal(char command, int signo, Action after)
    {
        if (Pid == 0) { after(); return; }
        WithOverride(command, handled =>
        {
            if (!handled) actions.Signal(Pid, signo);
            after();
        });
    }

    private void StopIfRunning()
    {
        if (Pid != 0 && State != RunState.Finish) Stop(Reconcile);
        else Reconcile();
    }

    /// <summary>runsv's stopservice(): control/t or TERM, then CONT and control/d or control/x.</summary>
    private void Stop(Action done)
    {
        WithOverride('t', handled =>
        {
            if (!handled)
            {
                actions.Signal(Pid, SIGTERM);
                TermSent = true;
                actions.Publish(this);
            }
            char next = Want switch { Want.Down => 'd', Want.Exit => 'x', _ => '\0' };
            if (next == '\0') { done(); return; }
            actions.Signal(Pid, SIGCONT);
            WithOverride(next, _ => done());
        });
    }
}
