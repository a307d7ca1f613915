using Init.Supervision;
using Init.Tests.Support;
using static Init.Interop.Consts;

namespace Init.Tests.Unit;

/// <summary>
/// Every cell of <see cref="RunsvTable"/>, walked in each situation runsv can read a byte or reap a
/// child in, against <see cref="Runsv"/>: runsv.c's ctrl(), stopservice(), custom(), startservice()
/// and child-exit code written out as C reads, independently of the table.
/// </summary>
public partial class ServiceProcessTests
{
    public enum Overrides { Absent, Handled, Unhandled }

    private static readonly string[] Situations = ["down", "run", "killed", "finish"];
    private static readonly Want[] Wants = [Want.Up, Want.Down, Want.Exit];

    /// <summary>A process in <paramref name="situation"/> with <paramref name="want"/>, its log cleared, its start 5 s ago.</summary>
    private static (ServiceProcess, FakeWorld)? Arrange(string situation, Want want, bool log, bool hasFinish)
    {
        if (situation == "down" && want == Want.Up) return null;     // runsv's loop top would have started it
        if (situation == "finish" && (log || !hasFinish)) return null; // the logger never runs ./finish
        var (p, world) = Running(log, hasFinish);
        switch (situation)
        {
            case "down": p.Control('d'); p.Exited(0); if (hasFinish) { p.Reconcile(); p.Exited(0); } break;
            case "killed": p.Control('k'); break;
            case "finish": p.Exited(0); p.Reconcile(); break;
        }
        p.Resume(want);
        world.Log.Clear();
        return (p, world);
    }

    private static void Configure(FakeWorld world, Overrides overrides)
    {
        var scripts = overrides switch
        {
            Overrides.Handled => world.HandledOverrides,
            Overrides.Unhandled => world.ExecutableOverrides,
            _ => null,
        };
        foreach (char c in RunsvTable.Commands) scripts?.Add(c);
    }

    /// <summary>Ends every override the process waits for (control/t, then control/d, then control/u…), as they would exit.</summary>
    private static void Settle(ServiceProcess p, FakeWorld world)
    {
        while (world.Running is not null) world.EndOverride(p);
    }

    public static IEnumerable<TestCaseData> ControlCells() =>
        from command in RunsvTable.Commands + "z"
        from log in new[] { false, true }
        from situation in Situations
        from overrides in Enum.GetValues<Overrides>()
        select new TestCaseData(command, log, situation, overrides);

    [TestCaseSource(nameof(ControlCells)), MaxTime(5_000)]
    public void Every_control_cell_does_what_runsv_does(char command, bool log, string situation, Overrides overrides)
    {
        foreach (var want in Wants)
        foreach (bool hasFinish in new[] { false, true })
        {
            if (Arrange(situation, want, log, hasFinish) is not var (p, world)) continue;
            Configure(world, overrides);
            var runsv = new Runsv(p, world, overrides);
            var cell = RunsvTable.OnControl(command, p.Child, log);

            p.Control(command);
            Settle(p, world);
            runsv.Ctrl(command);
            runsv.LoopTop();

            string where = $"{situation}, want {want}, {(hasFinish ? "with" : "no")} ./finish, cell: {RunsvTable.Describe(cell)}";
            Assert.That(world.Log, Is.EqualTo(runsv.Log), where);
            Assert.That((p.State, p.Pid, p.Want, p.Paused, p.TermSent, p.Busy), Is.EqualTo((runsv.State, runsv.Pid, runsv.Want, runsv.Paused, runsv.Term, false)), where);
        }
    }

    [Test, MaxTime(5_000)]
    public void Every_exit_cell_does_what_runsv_does()
    {
        foreach (var situation in new[] { "run", "killed", "finish" })
        foreach (bool log in new[] { false, true })
        foreach (bool hasFinish in new[] { false, true })
        foreach (var want in Wants)
        {
            if (Arrange(situation, want, log, hasFinish) is not var (p, world)) continue;
            var runsv = new Runsv(p, world, Overrides.Absent);

            p.Exited(3 << 8);
            p.Reconcile();
            runsv.Reaped(3 << 8, hasFinish);
            runsv.LoopTop();

            string where = $"{situation}, log {log}, want {want}, {(hasFinish ? "with" : "no")} ./finish";
            Assert.That(world.Log, Is.EqualTo(runsv.Log), where);
            Assert.That((p.State, p.Pid, p.Want, p.TermSent), Is.EqualTo((runsv.State, runsv.Pid, runsv.Want, runsv.Term)), where);
            if (situation != "finish") Assert.That(p.LastStatus, Is.EqualTo(3 << 8), where);
        }
    }

    [Test, MaxTime(5_000)]
    public void A_cell_starts_nothing_before_its_last_step()
    {
        foreach (char command in RunsvTable.Commands + "z")
        foreach (var child in Enum.GetValues<Child>())
        foreach (bool log in new[] { false, true })
        {
            var cell = RunsvTable.OnControl(command, child, log);
            Assert.That(cell[^1].Op, Is.EqualTo(Op.Reconcile), $"{command} {child}: the loop top ends every control cell");
            Assert.That(cell[..^1].Select(s => s.Op), Has.None.AnyOf(Op.Reconcile, Op.LaunchRun, Op.LaunchFinish), "a start inside a cell could leave its rest waiting behind control/u");
            if (log) Assert.That(cell.Select(s => s.Op), Has.None.AnyOf(Op.Override, Op.OverrideAsWanted), "the logger runs no control/<c>");
        }
    }

    [Test, MaxTime(10_000)]
    public void The_committed_state_table_doc_is_what_the_code_renders()
    {
        string path = Path.Combine(Binary.RepositoryRoot(), RunsvTable.DocPath);
        string fresh = RunsvTable.ToMarkdown();
        if (Environment.GetEnvironmentVariable("UPDATE_DOCS") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, fresh);
        }
        string committed = File.Exists(path) ? File.ReadAllText(path) : "";
        Assert.That(committed, Is.EqualTo(fresh), $"{RunsvTable.DocPath} is stale: `dotnet cake --target=Docs` rewrites it. Fresh version:\n{fresh}");
    }

    /// <summary>runsv's own state and code, recording into the shape of <see cref="FakeWorld.Log"/>.</summary>
    private sealed class Runsv(ServiceProcess p, FakeWorld world, Overrides overrides)
    {
        public List<string> Log { get; } = [];
        public int Pid = p.Pid;
        public RunState State = p.State;
        public Want Want = p.Want;
        public bool Paused = p.Paused, Term = p.TermSent;
        private readonly bool _isLog = p.IsLog;
        private int _nextPid = world.NextPid;

        private bool Custom(char c)
        {
            if (_isLog) return false;
            Log.Add($"control/{c}");
            return overrides == Overrides.Handled;
        }

        private void Kill(int signo) => Log.Add($"kill {Pid} {signo}");
        private void UpdateStatus() => Log.Add("publish");

        public void Ctrl(char c)
        {
            switch (c)
            {
                // A deliberate difference of Init's: a d keeps an exit already wanted (runsv.c: want = W_DOWN).
                case 'd': if (Want != Want.Exit) Want = Want.Down; UpdateStatus(); if (Pid != 0 && State != RunState.Finish) StopService(); break;
                case 'u': Want = Want.Up; UpdateStatus(); if (Pid == 0) StartService(); break;
                case 'x':
                    if (_isLog) break;
                    Want = Want.Exit; UpdateStatus();
                    if (Pid != 0 && State != RunState.Finish) StopService();
                    break;
                case 't': if (Pid != 0 && State != RunState.Finish) StopService(); break;
                case 'k': if (Pid != 0 && !Custom(c)) Kill(SIGKILL); State = RunState.Down; break;
                case 'p': if (Pid != 0 && !Custom(c)) Kill(SIGSTOP); Paused = true; UpdateStatus(); break;
                case 'c': if (Pid != 0 && !Custom(c)) Kill(SIGCONT); Paused = false; UpdateStatus(); break;
                case 'o': Want = Want.Down; UpdateStatus(); if (Pid == 0) StartService(); break;
                case 'a': if (Pid != 0 && !Custom(c)) Kill(SIGALRM); break;
                case 'h': if (Pid != 0 && !Custom(c)) Kill(SIGHUP); break;
                case 'i': if (Pid != 0 && !Custom(c)) Kill(SIGINT); break;
                case 'q': if (Pid != 0 && !Custom(c)) Kill(SIGQUIT); break;
                case '1': if (Pid != 0 && !Custom(c)) Kill(SIGUSR1); break;
                case '2': if (Pid != 0 && !Custom(c)) Kill(SIGUSR2); break;
            }
        }

        private void StopService()
        {
            if (Pid != 0 && !Custom('t')) { Kill(SIGTERM); Term = true; UpdateStatus(); }
            if (Want == Want.Down) { Kill(SIGCONT); Custom('d'); return; }
            if (Want == Want.Exit) { Kill(SIGCONT); Custom('x'); }
        }

        private void StartService()
        {
            bool finish = State == RunState.Finish;
            if (!finish) Custom('u');
            Log.Add(finish ? "spawn finish" : "spawn run");
            if (!finish) State = RunState.Run;
            Pid = _nextPid++;
            Paused = Term = false;
            UpdateStatus();
        }

        /// <summary>The child-exit branch of runsv's main loop.</summary>
        public void Reaped(int wstat, bool finishFile)
        {
            Pid = 0;
            Term = false;
            if (State != RunState.Finish && !_isLog && finishFile) { State = RunState.Finish; UpdateStatus(); return; }
            State = RunState.Down;
            UpdateStatus();
        }

        /// <summary>runsv's loop top (its start was long ago: no sleep(1)).</summary>
        public void LoopTop()
        {
            if (Pid == 0 && (Want == Want.Up || State == RunState.Finish)) StartService();
        }
    }
}
