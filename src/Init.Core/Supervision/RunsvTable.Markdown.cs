using System.Text;
using static Init.Interop.Consts;

namespace Init.Supervision;

public static partial class RunsvTable
{
    /// <summary>Where <see cref="ToMarkdown"/>'s output is committed, relative to the repository root.</summary>
    public const string DocPath = "docs/runsv-state-table.md";

    /// <summary>Each step's short label in the cells and its meaning in the doc's glossary.</summary>
    private static readonly (Op Op, string Label, string Meaning)[] Glossary =
    [
        (Op.WantUp, "want up", "want = up"),
        (Op.WantDown, "want down", "want = down"),
        (Op.WantDownUnlessExit, "want down, unless exit", "beyond runsv: want = down, but an exit already wanted stays (only `u` takes it back), so a `d` after `x` still ends the supervisor"),
        (Op.WantExit, "want exit", "want = exit"),
        (Op.ForgetOnce, "no once", "a pending `o` start is dropped"),
        (Op.ArmOnce, "once", "start `./run` once at the loop top although want is down (`o`)"),
        (Op.Publish, "publish", "rewrite `supervise/status`, `stat` and `pid`"),
        (Op.Override, "`control/c`", "run `control/<c>` if it is executable and wait for it (every event meanwhile is held back); exit 0 = handled"),
        (Op.Signal, "a signal (KILL, STOP, …)", "send the signal to the child, unless the `control/<c>` before it handled the byte; under the engine KILL, STOP and CONT reach every process of the service (`cgroup.kill`, `cgroup.freeze`, or the process tree), the others the child alone, as runit's"),
        (Op.Term, "TERM", "unless `control/t` handled it: TERM (or the signal in `down-signal`) to the child (under the engine, to every process of the service), set the got-TERM flag, publish"),
        (Op.ArmKill, "arm timeout-kill", "unless `control/t` handled it, with `timeout-kill` N > 0 and no deadline armed yet: KILL the child if it still runs N ms from now"),
        (Op.ContUnlessWantUp, "CONT unless want up", "CONT to the child (under the engine, to the whole service, thawed) when want is down or exit, handled or not"),
        (Op.OverrideAsWanted, "`control/d` or `control/x` as want", "run `control/d` (want down) or `control/x` (want exit) and wait for it; its result is ignored"),
        (Op.MarkDown, "state down", "state = down (after `k` at once, before the child is reaped)"),
        (Op.Pause, "paused", "set the paused flag (even without a child)"),
        (Op.Unpause, "not paused", "clear the paused flag"),
        (Op.ForgetPid, "pid 0", "pid = 0, clear the got-TERM flag"),
        (Op.RecordStatus, "keep status", "keep the wait status for `./finish EXITCODE SIGNAL`"),
        (Op.EnterFinish, "state finish", "state = finish (the loop top starts `./finish`)"),
        (Op.Stamp, "time now", "the status time becomes now"),
        (Op.LaunchRun, "spawn `./run`", "spawn `./run`: state = run, time = now, paused and got-TERM cleared, publish; a failed spawn is an exit with 111"),
        (Op.LaunchFinish, "spawn `./finish`", "spawn `./finish`: paused and got-TERM cleared, publish; a failed spawn is an exit with 111"),
        (Op.Reconcile, "loop top", "the loop top (below): start `./run` or `./finish` when due"),
        (Op.ArmFinishKill, "arm timeout-finish", "with `timeout-finish` N > 0: KILL `./finish` if it still runs N ms from now"),
        (Op.Ready, "ready", "a oneshot's `up` succeeded: ready, the restart delay cleared"),
        (Op.Rerun, "rerun", "an up oneshot runs `down`, then `up` again"),
        (Op.StopDependants, "dependants first", "beyond runsv: `d` to every service whose `dependencies.d` names this one, and wait (every event meanwhile is held back) until they are down, at most the dependants' grace; nothing without such services or with the StopDependants setting off"),
        (Op.Abort, "abort", "the down-signal (or the signal given) to the child (under the engine, the whole service) without the got-TERM flag: its exit is a death (backoff, restart limit)"),
        (Op.ArmAbortKill, "arm kill", $"KILL the child if it still runs `timeout-kill` ms from now ({ServiceProcess.AbortKillMs} ms without the file), unless a deadline is armed"),
        (Op.NoteExit, "backoff, deaths", "with `restart-policy`: such an exit (below) that the policy does not restart leaves the service wanted down. With `restart-backoff`: an exit while wanted up, without TERM sent, after a run shorter than RESET doubles the restart delay (MIN at first, at most MAX); any other exit clears it. With `restart-limit` DEATHS WINDOW: such an exit is a death, and DEATHS of them within WINDOW ms make the service failed (want down; `u` clears it). Without the files, nothing"),
    ];

    private static string Label(Op op) => Array.Find(Glossary, g => g.Op == op).Label ?? throw new ArgumentOutOfRangeException(nameof(op));

    private static string StateName(RunState state) => state switch
    {
        RunState.Down => "down (after `k`)",
        RunState.Run => "run",
        _ => "finish",
    };

    private static string SignalName(int signo) => signo switch
    {
        SIGKILL => "KILL", SIGSTOP => "STOP", SIGCONT => "CONT", SIGHUP => "HUP", SIGALRM => "ALRM",
        SIGINT => "INT", SIGQUIT => "QUIT", SIGUSR1 => "USR1", SIGUSR2 => "USR2",
        _ => throw new ArgumentOutOfRangeException(nameof(signo)),
    };

    /// <summary>A cell as the doc shows it: its steps in order; a signal after an override reads "else".</summary>
    public static string Describe(Step[] cell)
    {
        var parts = new List<string>(cell.Length);
        for (int i = 0; i < cell.Length; i++)
        {
            var step = cell[i];
            bool afterOverride = i > 0 && cell[i - 1].Op == Op.Override;
            string text = step.Op switch
            {
                Op.Override => $"`control/{step.Command}`",
                Op.Signal => SignalName(step.Signo),
                _ => Label(step.Op),
            };
            parts.Add(afterOverride && step.Op is Op.Signal or Op.Term ? "else " + text : text);
        }
        return string.Join(", ", parts);
    }

    /// <summary>The table as Markdown: the text of <see cref="DocPath"/>, which a test keeps equal to it.</summary>
    public static string ToMarkdown()
    {
        var md = new StringBuilder();
        md.Append("""
            # runsv's state table

            <!-- Generated from src/Init.Core/Supervision/RunsvTable.cs: do not edit. `dotnet cake --target=Docs` rewrites it. -->

            What `runsv` (and each service of the engine) does with a control byte read from
            `supervise/control` and with the exit of a child: runit's runsv (`ctrl()`, `stopservice()`,
            `startservice()` and the child-exit code of `runsv.c`) as the table `ServiceProcess` runs.
            Each cell's steps run left to right; the steps are explained at the end.

            While a `control/<c>` override runs, every control byte and exit that arrives is held back
            (runsv sits in `waitpid()` meanwhile) and applied after it as runsv's loop then finds them:
            the rest of the byte's cell, the exit (runsv reaps before it reads), then the held bytes one
            at a time, each cell ending with the loop top.

            ## Control bytes

            The columns are what runsv's `ctrl()` tests: whether a child runs (`pid`), and whether it is
            `./finish` (`state == finish`). `./run`'s process includes a service marked down by `k` that
            has not been reaped yet; "no child" includes state finish before `./finish` has started,
            which a byte read in the same turn as the exit sees (in runsv as here).


            """);
        ControlTable(md, "Service", isLog: false);
        md.Append("\n");
        ControlTable(md, "Log service (`log/`): no `control/<c>` overrides, `x` is ignored", isLog: true);
        md.Append("""

            ## Exits

            The child (`./run`, or `./finish`) was reaped. `./finish` is looked for only when `./run` exited,
            and never for the log service.

            | state | service with `./finish` | service without `./finish` | log service |
            |---|---|---|---|

            """);
        foreach (var (state, withFinish, service, logger) in Exits)
            md.Append($"| {StateName(state)} | {Describe(withFinish)} | {Describe(service)} | {Describe(logger)} |\n");
        md.Append($"""

            ## Loop top

            After every event, when no child runs and no override is waited for: in state finish,
            `./finish` starts; otherwise `./run` starts when want is up (or once is pending), but not
            sooner than {ServiceProcess.MinimumRunMs} ms after its last start (a timer; runsv blocks in `sleep(1)`),
            nor sooner than the backoff's delay after its last exit. Before that, a deadline that has
            passed (`timeout-kill`, `timeout-finish`) runs its cell: {Describe(OnTimeout)} to the child.

            | start | service | log service |
            |---|---|---|

            """);
        foreach (var (finish, service, logger) in LoopTop)
            md.Append($"| {(finish ? "`./finish`" : "`./run`")} | {Describe(service)} | {Describe(logger)} |\n");
        md.Append($"""

            ## Oneshots

            Beyond runsv, a service whose `type` is `oneshot` (s6-rc's) runs `up` where `./run` would
            start and `down` where `./finish` would; an `up` that exits 0 leaves the service up with no
            process (state run, pid 0), any other exit is `./run`'s exit without `./finish`. The control
            bytes are the service's cells above (an up oneshot has no child), except `t`.

            | event | steps |
            |---|---|
            | `up` exited 0 | {Describe(OneshotUp)} |
            | loop top, up and not wanted up (or rerun) | with `down`: {Describe(OneshotStop(true))}; without: {Describe(OneshotStop(false))} |
            | `t` while up | {Describe(OneshotRestart)} |

            ## Deadlines the supervisor keeps

            Beyond runsv, checked at the loop top while a child runs and no override is waited for:

            | deadline | steps |
            |---|---|
            | `timeout-kill` after the down-signal, `timeout-finish` after `./finish`'s start | {Describe(OnTimeout)} |
            | `timeout-up` after `./run`'s (or `up`'s) start, not ready yet | {Describe(OnNotUp)} |
            | `watchdog-timeout` after the start or the last `WATCHDOG=1` | ABRT, {Describe(OnWatchdog[1..])} |

            ## Steps

            | step | meaning |
            |---|---|

            """);
        foreach (var (_, label, meaning) in Glossary) md.Append($"| {label} | {meaning} |\n");
        return md.ToString();
    }

    private static void ControlTable(StringBuilder md, string title, bool isLog)
    {
        md.Append($"### {title}\n\n| byte | no child | `./run`'s process | `./finish`'s process |\n|---|---|---|---|\n");
        for (int row = 0; row < ControlRows; row++)
        {
            char command = row < Commands.Length ? Commands[row] : '\0';
            string name = row < Commands.Length ? $"`{command}`" : "any other";
            md.Append($"| {name} |");
            foreach (var child in (ReadOnlySpan<Child>)[Child.None, Child.Run, Child.Finish])
                md.Append($" {Describe(OnControl(command, child, isLog))} |");
            md.Append('\n');
        }
    }
}
