using static Init.Interop.Consts;

namespace Init.Supervision;

public enum Want : byte { Up, Down, Exit }

/// <summary>What a <see cref="ServiceProcess"/> asks of the world; the supervisor implements it, tests fake it.</summary>
public interface IServiceActions
{
    /// <summary>Starts ./run (or ./finish with the last status); returns the pid, or 0 when it could not be started.</summary>
    int Spawn(ServiceProcess process, bool finish);
    /// <summary>Runs <c>control/&lt;command&gt;</c> when it is executable; true when it exited 0 ("handled").</summary>
    bool RunOverride(char command);
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
/// control byte and each exit. Pure logic over <see cref="IServiceActions"/>, so every cell of the
/// table is testable without processes. Differences from runsv: the 1-second restart rule delays
/// only the restart (a timer) instead of freezing the whole supervisor in sleep(1).
/// </summary>
public sealed class ServiceProcess(bool isLog, IServiceActions actions)
{
    public const long MinimumRunMs = 1000;

    public bool IsLog { get; } = isLog;
    public RunState State { get; private set; } = RunState.Down;
    public Want Want { get; private set; } = Want.Up;
    public int Pid { get; private set; }
    public bool Paused { get; private set; }
    public bool TermSent { get; private set; }
    public Tai64N Since { get; private set; } = Tai64N.Now();
    /// <summary>Wait status of the last ./run exit, passed to ./finish.</summary>
    public int LastStatus { get; private set; }

    private long _startedMs = long.MinValue / 2;
    private bool _oncePending;

    public StatusRecord Status => new(Since, Pid, Paused, Want == Want.Up ? 'u' : 'd', TermSent, State);

    /// <summary>Initial want from a <c>down</c> file, read once at start-up as runsv does.</summary>
    public void StartDown() => Want = Want.Down;

    /// <summary>The loop-top rule of runsv: start ./run when wanted up, ./finish when finishing.</summary>
    public void Reconcile()
    {
        for (int attempt = 0; attempt < 3 && Pid == 0; attempt++)
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
        if (!finish)
        {
            if (!IsLog) actions.RunOverride('u');
            _oncePending = false;
        }
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
        switch (command)
        {
            case 'd':
                Want = Want.Down;
                _oncePending = false;
                actions.Publish(this);
                if (Pid != 0 && State != RunState.Finish) Stop();
                break;
            case 'u':
                Want = Want.Up;
                actions.Publish(this);
                break;
            case 'x':
                if (IsLog) break;
                Want = Want.Exit;
                _oncePending = false;
                actions.Publish(this);
                if (Pid != 0 && State != RunState.Finish) Stop();
                break;
            case 't':
                if (Pid != 0 && State != RunState.Finish) Stop();
                break;
            case 'k':
                if (Pid != 0 && !Override('k')) actions.Signal(Pid, SIGKILL);
                State = RunState.Down;
                break;
            case 'p':
                if (Pid != 0 && !Override('p')) actions.Signal(Pid, SIGSTOP);
                Paused = true;
                actions.Publish(this);
                break;
            case 'c':
                if (Pid != 0 && !Override('c')) actions.Signal(Pid, SIGCONT);
                Paused = false;
                actions.Publish(this);
                break;
            case 'o':
                Want = Want.Down;
                actions.Publish(this);
                if (Pid == 0) _oncePending = true;
                break;
            default:
                int signo = SignalFor(command);
                if (signo != 0 && Pid != 0 && !Override(command)) actions.Signal(Pid, signo);
                break;
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

    private bool Override(char command) => !IsLog && actions.RunOverride(command);

    /// <summary>runsv's stopservice(): control/t or TERM, then CONT and control/d or control/x.</summary>
    private void Stop()
    {
        if (Pid != 0 && !Override('t'))
        {
            actions.Signal(Pid, SIGTERM);
            TermSent = true;
            actions.Publish(this);
        }
        if (Want == Want.Down)
        {
            actions.Signal(Pid, SIGCONT);
            Override('d');
        }
        else if (Want == Want.Exit)
        {
            actions.Signal(Pid, SIGCONT);
            Override('x');
        }
    }
}
