using static Init.Interop.Consts;
using static Init.Supervision.Op;

namespace Init.Supervision;

/// <summary>One effect of a transition; a cell of <see cref="RunsvTable"/> is a list of them, run in order (each explained in docs/runsv-state-table.md).</summary>
public enum Op : byte
{
    WantUp, WantDown, WantDownUnlessExit, WantExit, ForgetOnce, ArmOnce, Publish,
    Override, Signal, Term, ContUnlessWantUp, OverrideAsWanted,
    MarkDown, Pause, Unpause,
    ForgetPid, RecordStatus, EnterFinish, Stamp,
    LaunchRun, LaunchFinish, Reconcile,
    ArmKill, ArmFinishKill, NoteExit,
    Ready, Rerun, Abort, ArmAbortKill, StopDependants,
}

/// <summary>One step: an <see cref="Op"/> with its control byte or signal where it takes one.</summary>
public readonly record struct Step(Op Op, char Command = '\0', int Signo = 0)
{
    public static implicit operator Step(Op op) => new(op);
}

/// <summary>Which child of the process is alive: what runsv's ctrl() tests (<c>pid</c>, <c>state != S_FINISH</c>).</summary>
public enum Child : byte
{
    /// <summary>No child: down, or finish before ./finish has started.</summary>
    None,
    /// <summary>./run's process: state run, or down after <c>k</c> until it is reaped.</summary>
    Run,
    /// <summary>./finish's process.</summary>
    Finish,
}

/// <summary>
/// runit's runsv as data: for each event (a control byte, an exit, the loop top) and each
/// situation, the steps <see cref="ServiceProcess"/> runs. The cells transcribe runsv.c's ctrl(),
/// stopservice(), startservice() and its child-exit code; the logger's cells are the service's
/// without <c>control/&lt;c&gt;</c> (runsv's custom() ignores them for log/) and with <c>x</c> ignored.
/// Looked up without allocation; rendered into docs/runsv-state-table.md by <see cref="ToMarkdown"/>.
/// </summary>
public static partial class RunsvTable
{
    /// <summary>The control bytes runsv acts on, in ctrl()'s order; every other byte shares one row.</summary>
    public const string Commands = "udoxtkpchaiq12";

    private const int ControlRows = 15;   // Commands, then "any other byte"
    private const int Children = 3;
    private const int Roles = 2;          // 0 service, 1 logger

    private static Step Control(char command) => new(Override, command);
    private static Step Kill(int signo) => new(Signal, Signo: signo);

    /// <summary>ctrl() for the service: per byte, the cells for no child, ./run's, ./finish's.</summary>
    private static readonly (char Command, Step[] None, Step[] Run, Step[] Finish)[] ServiceControl =
    [
        ('u', [WantUp, Publish, Reconcile], [WantUp, Publish, Reconcile], [WantUp, Publish, Reconcile]),
        ('d', [WantDownUnlessExit, ForgetOnce, Publish, Reconcile],
              [WantDownUnlessExit, ForgetOnce, Publish, StopDependants, Control('t'), Term, ArmKill, ContUnlessWantUp, OverrideAsWanted, Reconcile],
              [WantDownUnlessExit, ForgetOnce, Publish, Reconcile]),
        ('o', [WantDown, Publish, ArmOnce, Reconcile], [WantDown, Publish, Reconcile], [WantDown, Publish, Reconcile]),
        ('x', [WantExit, ForgetOnce, Publish, Reconcile],
              [WantExit, ForgetOnce, Publish, StopDependants, Control('t'), Term, ArmKill, ContUnlessWantUp, OverrideAsWanted, Reconcile],
              [WantExit, ForgetOnce, Publish, Reconcile]),
        ('t', [Reconcile], [Control('t'), Term, ArmKill, ContUnlessWantUp, OverrideAsWanted, Reconcile], [Reconcile]),
        ('k', [MarkDown, Reconcile], [Control('k'), Kill(SIGKILL), MarkDown, Reconcile], [Control('k'), Kill(SIGKILL), MarkDown, Reconcile]),
        ('p', [Pause, Publish, Reconcile], [Control('p'), Kill(SIGSTOP), Pause, Publish, Reconcile], [Control('p'), Kill(SIGSTOP), Pause, Publish, Reconcile]),
        ('c', [Unpause, Publish, Reconcile], [Control('c'), Kill(SIGCONT), Unpause, Publish, Reconcile], [Control('c'), Kill(SIGCONT), Unpause, Publish, Reconcile]),
        ('h', [Reconcile], [Control('h'), Kill(SIGHUP), Reconcile], [Control('h'), Kill(SIGHUP), Reconcile]),
        ('a', [Reconcile], [Control('a'), Kill(SIGALRM), Reconcile], [Control('a'), Kill(SIGALRM), Reconcile]),
        ('i', [Reconcile], [Control('i'), Kill(SIGINT), Reconcile], [Control('i'), Kill(SIGINT), Reconcile]),
        ('q', [Reconcile], [Control('q'), Kill(SIGQUIT), Reconcile], [Control('q'), Kill(SIGQUIT), Reconcile]),
        ('1', [Reconcile], [Control('1'), Kill(SIGUSR1), Reconcile], [Control('1'), Kill(SIGUSR1), Reconcile]),
        ('2', [Reconcile], [Control('2'), Kill(SIGUSR2), Reconcile], [Control('2'), Kill(SIGUSR2), Reconcile]),
        ('\0', [Reconcile], [Reconcile], [Reconcile]),   // any other byte: ignored
    ];

    /// <summary>The logger ignores <c>x</c>; its other bytes are the service's cells without control/&lt;c&gt;.</summary>
    private static readonly Step[] LoggerExit = [Reconcile];

    private static readonly Step[] ToFinish = [NoteExit, ForgetPid, RecordStatus, EnterFinish, Publish];
    private static readonly Step[] RunToDown = [NoteExit, ForgetPid, RecordStatus, MarkDown, Stamp, Publish];
    private static readonly Step[] FinishToDown = [ForgetPid, MarkDown, Stamp, Publish];

    /// <summary>The child exited, per state: the cells for a service with ./finish, one without, the logger (whose ./finish never runs).</summary>
    private static readonly (RunState State, Step[] WithFinish, Step[] Service, Step[] Logger)[] Exits =
    [
        (RunState.Down, ToFinish, RunToDown, RunToDown),   // down after k
        (RunState.Run, ToFinish, RunToDown, RunToDown),
        (RunState.Finish, FinishToDown, FinishToDown, FinishToDown),
    ];

    /// <summary>startservice(), per role: ./run (control/u first, for the service) and ./finish.</summary>
    private static readonly (bool Finish, Step[] Service, Step[] Logger)[] LoopTop =
    [
        (false, [ForgetOnce, Control('u'), LaunchRun], [ForgetOnce, LaunchRun]),
        (true, [LaunchFinish, ArmFinishKill], [LaunchFinish, ArmFinishKill]),
    ];

    /// <summary>A deadline passed (timeout-kill after the down-signal, or timeout-finish): SIGKILL to the child.</summary>
    public static readonly Step[] OnTimeout = [Kill(SIGKILL)];

    /// <summary>timeout-up passed before ./run said it is ready (or a oneshot's up ended): the down-signal, a death, not a stop asked for.</summary>
    public static readonly Step[] OnNotUp = [Abort, ArmAbortKill];

    /// <summary>watchdog-timeout passed without WATCHDOG=1: SIGABRT, as systemd's watchdog, a death too.</summary>
    public static readonly Step[] OnWatchdog = [new(Abort, Signo: SIGABRT), ArmAbortKill];

    // s6-rc's oneshot (type = oneshot), beyond runsv: `up` plays ./run's part and `down` ./finish's.
    // An up that exits 0 leaves the service up with no process (state run, pid 0) until it is told
    // to stop, when down runs (state finish) or, without one, it is down at once. A failing up is
    // ./run's exit without ./finish: down, and started again as wanted (1-second rule, backoff).

    /// <summary>A oneshot's <c>up</c> exited 0: up, ready, no process.</summary>
    public static readonly Step[] OneshotUp = [ForgetPid, RecordStatus, Ready, Stamp, Publish];

    /// <summary>An up oneshot not wanted up any more (or told <c>t</c>): its <c>down</c>, or down at once without one.</summary>
    public static Step[] OneshotStop(bool hasDown) => hasDown ? OneshotDown : OneshotGone;

    private static readonly Step[] OneshotDown = [EnterFinish, LaunchFinish, ArmFinishKill];
    private static readonly Step[] OneshotGone = [MarkDown, Stamp, Publish];

    /// <summary><c>t</c> (sv restart, sv term) to an up oneshot: down, then up again.</summary>
    public static readonly Step[] OneshotRestart = [Rerun, Reconcile];

    private static readonly Step[][] ControlCells = BuildControlCells();

    private static Step[][] BuildControlCells()
    {
        var cells = new Step[ControlRows * Children * Roles][];
        for (int row = 0; row < ControlRows; row++)
        {
            var (command, none, run, finish) = ServiceControl[row];
            Step[][] service = [none, run, finish];
            for (int child = 0; child < Children; child++)
            {
                cells[(row * Children + child) * Roles] = service[child];
                cells[(row * Children + child) * Roles + 1] = command == 'x' ? LoggerExit : WithoutOverrides(service[child]);
            }
        }
        return cells;
    }

    private static Step[] WithoutOverrides(Step[] cell) =>
        Array.FindAll(cell, s => s.Op is not (Override or OverrideAsWanted or StopDependants));

    /// <summary>The row of a control byte: its place in <see cref="Commands"/>, or the last row for any other byte.</summary>
    private static int Row(char command) => Commands.IndexOf(command) is >= 0 and var i ? i : ControlRows - 1;

    /// <summary>What runsv does with control byte <paramref name="command"/> while <paramref name="child"/> is alive.</summary>
    public static Step[] OnControl(char command, Child child, bool isLog) =>
        ControlCells[(Row(command) * Children + (int)child) * Roles + (isLog ? 1 : 0)];

    /// <summary>What runsv does when the child exits in <paramref name="state"/>; <paramref name="finishFile"/>: ./finish exists (asked only of the service's ./run).</summary>
    public static Step[] OnExit(RunState state, bool isLog, bool finishFile)
    {
        var row = Exits[(int)state];
        return isLog ? row.Logger : finishFile ? row.WithFinish : row.Service;
    }

    /// <summary>startservice(): the steps that start ./run or, in state finish, ./finish.</summary>
    public static Step[] AtLoopTop(bool finish, bool isLog)
    {
        var row = LoopTop[finish ? 1 : 0];
        return isLog ? row.Logger : row.Service;
    }
}
