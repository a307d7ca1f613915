using System.Diagnostics;
using Init.Supervision;
using Init.Tests.Support;

namespace Init.Tests.Runsvdir;

/// <summary>
/// runsvdir as the engine (the default): every service of the directory supervised by this one
/// process, each with its own supervise/ on runit's protocol, adopted rather than doubled after a crash.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class RunsvdirEngineTests
{
    private const string Sleeper = "#!/bin/sh\nexec sleep 1000\n";

    /// <summary>Counts from where the last instance stopped (../count), one line every 10 ms: a gap in the log is a lost line.</summary>
    private const string Writer = """
        #!/bin/sh
        i=$(cat ../count 2>/dev/null || echo 0)
        while :; do i=$((i+1)); echo "$i"; echo "$i" >../count; sleep 0.01; done
        """;

    private static Process StartEngine(TempDirectory temp, string scanned, string name = "engine", params string[] extra) =>
        Run.Background(Binary.Applet("runsvdir"), [.. extra, scanned], temp.Path, temp.Path, name);

    private static RunResult Sv(params string[] args) => Run.Command(Supervised.RunitSv, args, timeoutMs: 120_000);

    private static int PidOf(string serviceDir, bool log = false)
    {
        try
        {
            string text = File.ReadAllText(Path.Combine(serviceDir, log ? "log/supervise/pid" : "supervise/pid")).Trim();
            return text.Length > 0 ? int.Parse(text) : 0;
        }
        catch (IOException) { return 0; }
    }

    [Test, CancelAfter(120_000)]
    public void Fifty_services_run_as_children_of_one_process_and_runits_sv_controls_each()
    {
        using var temp = new TempDirectory();
        const int Count = 50;
        var services = Enumerable.Range(0, Count).Select(i => temp.Script($"service/s{i:00}/run", Sleeper)).Select(Path.GetDirectoryName).OfType<string>().ToArray();
        var engine = StartEngine(temp, temp["service"]);
        try
        {
            Assert.That(Run.Until(() => services.All(RunsvdirTests.Running), 30_000), Is.True, "not every service reached run");
            // A ./run published as running may not have exec'd sleep yet.
            Run.Until(() => Procs.ChildrenOf(engine.Id).All(c => c.Name == "sleep"), 5_000);
            var children = Procs.ChildrenOf(engine.Id);
            Assert.That(children.Select(c => c.Name), Is.EquivalentTo(Enumerable.Repeat("sleep", Count)), "the services themselves, no runsv in between");
            Assert.That(services.All(s => Procs.In(s).Count == 1), Is.True, "one process per service");

            var status = Sv(["status", .. services]);
            Assert.That(status.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(Count).And.All.StartsWith("run: "), status.ToString());
            Assert.That(Sv(["-w", "10", "down", .. services]).ExitCode, Is.Zero);
            Assert.That(services.All(s => !RunsvdirTests.Running(s)), Is.True, "all down");
            Assert.That(Sv(["-w", "10", "up", .. services]).ExitCode, Is.Zero);
            Assert.That(services.All(RunsvdirTests.Running), Is.True, "all up again");
        }
        finally
        {
            RunsvdirTests.Stop(engine);
        }
        Assert.That(engine.ExitCode, Is.EqualTo(111), "SIGHUP: every service stopped, then exit 111");
        Assert.That(services.All(s => Procs.Roots(s).Count == 0), Is.True, "SIGHUP stopped every service");
    }

    [Test, CancelAfter(30_000)]
    public void A_control_d_override_that_takes_3s_does_not_delay_sv_up_of_another_service()
    {
        using var temp = new TempDirectory();
        temp.Script("service/slow/run", Sleeper);
        temp.Script("service/slow/control/d", "#!/bin/sh\nsleep 3\n");
        temp.Script("service/quick/run", Sleeper);
        temp.Write("service/quick/down", "");
        var engine = StartEngine(temp, temp["service"]);
        try
        {
            Assert.That(Run.Until(() => RunsvdirTests.Running(temp["service/slow"]) && File.Exists(temp["service/quick/supervise/status"]), 10_000), Is.True);

            // TERM, CONT, then control/d: runsv would sit in waitpid for 3 s, seeing nothing else of this service.
            Assert.That(Sv("down", temp["service/slow"]).ExitCode, Is.Zero);
            var clock = Stopwatch.StartNew();
            Assert.That(Sv("up", temp["service/quick"]).ExitCode, Is.Zero);
            Assert.That(Run.Until(() => RunsvdirTests.Running(temp["service/quick"]), 2_000), Is.True, "quick never started");
            long upMs = clock.ElapsedMilliseconds;
            TestContext.Out.WriteLine($"sv up of another service while control/d sleeps 3 s: running after {upMs} ms");

            Assert.That(upMs, Is.LessThan(1_000), "the other service must not wait for the override");
            Assert.That(Sv("status", temp["service/slow"]).Stdout, Does.StartWith("run: ").And.Contains("want down, got TERM"),
                "the slow service's exit is held back until control/d has exited, as runsv would see it");
            Assert.That(Run.Until(() => Sv("status", temp["service/slow"]).Stdout.StartsWith("down: "), 6_000), Is.True, "down once control/d exited");
            Assert.That(clock.ElapsedMilliseconds, Is.GreaterThanOrEqualTo(2_500), "not before control/d ended");
        }
        finally
        {
            RunsvdirTests.Stop(engine);
        }
    }

    [Test, CancelAfter(30_000)]
    public void A_control_t_override_decides_whether_TERM_is_sent_and_the_other_services_go_on_meanwhile()
    {
        using var temp = new TempDirectory();
        temp.Script("service/handled/run", Sleeper);
        temp.Script("service/handled/control/t", "#!/bin/sh\nsleep 1\nexit 0\n");   // 0: handled, no TERM
        temp.Script("service/unhandled/run", Sleeper);
        temp.Script("service/unhandled/control/t", "#!/bin/sh\nsleep 1\nexit 1\n");  // 1: TERM follows
        temp.Script("service/other/run", Sleeper);
        var engine = StartEngine(temp, temp["service"]);
        try
        {
            string[] all = ["handled", "unhandled", "other"];
            Assert.That(Run.Until(() => all.All(s => RunsvdirTests.Running(temp[$"service/{s}"])), 10_000), Is.True);
            int handled = PidOf(temp["service/handled"]), unhandled = PidOf(temp["service/unhandled"]), other = PidOf(temp["service/other"]);
            InALaterSecond();

            Assert.That(Sv("term", temp["service/handled"], temp["service/unhandled"]).ExitCode, Is.Zero);
            Assert.That(Sv("-w", "3", "restart", temp["service/other"]).Stdout, Does.StartWith("ok: run:"), "other services answer at once");
            Assert.That(PidOf(temp["service/other"]), Is.Not.EqualTo(other));

            Assert.That(Run.Until(() => PidOf(temp["service/unhandled"]) is var p && p != 0 && p != unhandled, 6_000), Is.True, "TERM after the failed control/t: restarted");
            Assert.That(PidOf(temp["service/handled"]), Is.EqualTo(handled), "control/t exited 0: no TERM");
            Assert.That(Procs.Ended(handled), Is.False);
        }
        finally
        {
            // Else the engine's stop would wait forever, as runsv's does, for the TERM control/t keeps back.
            File.Delete(temp["service/handled/control/t"]);
            RunsvdirTests.Stop(engine);
        }
    }

    [TestCase("engine"), TestCase("process")]
    [CancelAfter(90_000)]
    [Category("Reliability")]
    public void After_SIGKILL_of_the_supervisor_every_service_is_adopted_with_no_second_copy_within_2500ms_and_no_log_line_lost(string mode)
    {
        using var temp = new TempDirectory();
        temp.Script("service/writer/run", Writer);
        temp.Script("service/writer/log/run", Logger(temp));
        temp.Script("service/idle/run", Sleeper);
        string writer = temp["service/writer"], idle = temp["service/idle"];
        var env = new Dictionary<string, string?> { ["INIT_SUPERVISION"] = mode };
        var first = Run.Background(Binary.Applet("runsvdir"), [temp["service"]], temp.Path, temp.Path, "first", env);
        Process? second = null;
        try
        {
            Assert.That(Run.Until(() => RunsvdirTests.Running(writer) && RunsvdirTests.Running(idle) && PidOf(writer, log: true) != 0, 10_000), Is.True);
            var pids = (Writer: PidOf(writer), Logger: PidOf(writer, log: true), Idle: PidOf(idle));
            Assert.That(Run.Until(() => LoggedLines(temp).Count > 20, 5_000), Is.True, "the writer's lines reach the log");

            // Kill the supervisor of the writer: the engine, or the writer's runsv (runsvdir restarts it).
            int victim = mode == "engine" ? first.Id
                : Procs.ChildrenOf(first.Id).Single(p => Procs.Arguments(p.Pid).SequenceEqual(["runsv", "writer"])).Pid;
            Run.Command("/bin/kill", "-9", victim.ToString());
            if (mode == "engine")
            {
                Assert.That(first.WaitForExit(5_000), Is.True);
                int logged = LoggedLines(temp).Count;
                Assert.That(Run.Until(() => LoggedLines(temp).Count > logged + 20, 5_000), Is.True, "lines flow while no supervisor runs");
                second = Run.Background(Binary.Applet("runsvdir"), [temp["service"]], temp.Path, temp.Path, "second", env);
            }

            // Adopted: sv sees the same processes, and nothing is started twice.
            Assert.That(Run.Until(() => Sv("status", writer).Stdout.StartsWith($"run: {writer}: (pid {pids.Writer})")
                && Sv("status", idle).Stdout.StartsWith($"run: {idle}: (pid {pids.Idle})"), 10_000), Is.True,
                Sv("status", writer, idle).Stdout);
            string Copies() => string.Join(", ", new[] { writer, idle, writer + "/log" }
                .Select(d => $"{Path.GetFileName(d)}: {string.Join(' ', Procs.Roots(d).Select(p => $"{p} {Procs.Read(p)?.Name}"))}"));
            // A /proc scan is read entry by entry and the writer forks a sleep every 10 ms, so one look can
            // be wrong for a moment; a second copy of a service is not a moment: it must show twice, 50 ms apart.
            bool Doubled() => Procs.Roots(writer).Count > 1 || Procs.Roots(idle).Count > 1 || Procs.Roots(writer + "/log").Count > 1;
            bool StillDoubledAfter50ms() { Thread.Sleep(50); return Doubled(); }
            Run.Never(() => Doubled() && StillDoubledAfter50ms(),
                TimeSpan.FromMilliseconds(2_500), "a second copy of a service or its logger");
            Assert.That(new[] { writer, idle, writer + "/log" }.Select(d => Procs.Roots(d).Count), Is.EqualTo(new[] { 1, 1, 1 }), Copies());
            Assert.That((PidOf(writer), PidOf(writer, log: true), PidOf(idle)), Is.EqualTo(pids), "the same processes");

            // Both sides of the adopted log pipe can still be restarted, and the pipe goes on.
            InALaterSecond();
            Assert.That(Sv("-w", "5", "restart", writer + "/log").ExitCode, Is.Zero);
            Assert.That(PidOf(writer, log: true), Is.Not.EqualTo(pids.Logger));
            Assert.That(Sv("-w", "5", "restart", writer).ExitCode, Is.Zero);
            Assert.That(PidOf(writer), Is.Not.EqualTo(pids.Writer));
            int afterRestarts = LoggedLines(temp).Count;
            Assert.That(Run.Until(() => LoggedLines(temp).Count > afterRestarts + 20, 5_000), Is.True, "the restarted writer's lines reach the restarted logger");
        }
        finally
        {
            if (second is not null) RunsvdirTests.Stop(second);
            RunsvdirTests.Stop(first, 1);
            Sv("-w", "5", "exit", writer, idle);   // process mode: the runsv processes outlive runsvdir's SIGHUP for a moment
        }
        Assert.That(Run.Until(() => Procs.Roots(writer).Count + Procs.Roots(idle).Count == 0, 10_000), Is.True, "everything stopped at the end");
        var lines = LoggedLines(temp);
        var missing = Enumerable.Range(1, lines.Max()).Except(lines).ToList();
        TestContext.Out.WriteLine($"{lines.Count} lines logged, highest {lines.Max()}");
        Assert.That(missing, Is.Empty, "lines lost across the crash and the restarts");
        Reliability.Record("supervision", mode == "engine" ? "kill -9 of the engine (runsvdir) under a numbered-line writer with svlogd" : "kill -9 of a runsv under a numbered-line writer with svlogd", 1,
            "services and logger adopted with the same pids; sv sees no gap; both restartable", lost: "0", doubled: "0 (watched 2.5 s)");
    }

    /// <summary>
    /// sv -w restart judges "restarted" by comparing the status time with its own start in whole
    /// seconds: a process started in the current second already looks restarted. Wait out that second.
    /// </summary>
    private static void InALaterSecond()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.That(Run.Until(() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() > now + 1, 3_000), Is.True);
    }

    [Test, CancelAfter(40_000)]
    [Category("Reliability")]
    public void SIGKILL_of_a_runsv_doubles_the_service_under_runits_runsvdir_and_not_under_ours()
    {
        using var temp = new TempDirectory();
        temp.Script("runit/svc/run", Sleeper);
        temp.Script("ours/svc/run", Sleeper);
        var runit = Run.Background("/usr/bin/runsvdir", [temp["runit"]], temp.Path, temp.Path, "runit-runsvdir");
        var ours = Run.Background(Binary.Applet("runsvdir"), [temp["ours"]], temp.Path, temp.Path, "ours", RunsvdirTests.ProcessMode);
        try
        {
            string theirs = temp["runit/svc"], mine = temp["ours/svc"];
            Assert.That(Run.Until(() => RunsvdirTests.Running(theirs) && RunsvdirTests.Running(mine), 10_000), Is.True);
            foreach (var scanner in new[] { runit, ours })
                Run.Command("/bin/kill", "-9", Procs.ChildrenOf(scanner.Id).Single(p => p.Name == "runsv").Pid.ToString());

            // Both scanners start a new runsv; runit's starts ./run again beside the orphan, ours adopts it.
            Assert.That(Run.Until(() => Procs.Roots(theirs).Count == 2, 10_000), Is.True, "runit's runsvdir left one copy: the comparison shows nothing");
            Assert.That(Run.Until(() => Procs.ChildrenOf(ours.Id).Any(p => p.Name == "runsv") && Sv("status", mine).Stdout.StartsWith("run: "), 10_000), Is.True);
            Run.Never(() => Procs.Roots(mine).Count != 1, TimeSpan.FromMilliseconds(1_500), "a second copy under our runsvdir");
            TestContext.Out.WriteLine($"after SIGKILL of the runsv: runit {Procs.Roots(theirs).Count} copies, ours {Procs.Roots(mine).Count}");
            Reliability.Record("supervision", "kill -9 of a runsv under runsvdir (per-process mode)", 1, "the new runsv adopts the orphaned service",
                doubled: "0 (watched 1.5 s)", peer: $"runit's runsvdir: service doubled ({Procs.Roots(theirs).Count} copies)");
        }
        finally
        {
            RunsvdirTests.Stop(runit);
            RunsvdirTests.Stop(ours);
            Sv("-w", "5", "exit", temp["runit/svc"], temp["ours/svc"]);
            foreach (var dir in new[] { temp["runit/svc"], temp["ours/svc"] })
                foreach (int pid in Procs.Roots(dir)) Run.Command("/bin/kill", "-9", pid.ToString());
        }
    }

    /// <summary>
    /// Our svlogd into writer-log/: on TERM it finishes the line it is reading before it exits, so a
    /// restart of the logger loses nothing (cat, killed between its read and its write, would).
    /// </summary>
    private static string Logger(TempDirectory temp)
    {
        Directory.CreateDirectory(temp["writer-log"]);
        return $"#!/bin/sh\nexec {Binary.Applet("svlogd")} {temp["writer-log"]}\n";
    }

    private static List<int> LoggedLines(TempDirectory temp)
    {
        try
        {
            return File.ReadAllLines(temp["writer-log/current"]).Where(l => l.Length > 0).Select(int.Parse).ToList();
        }
        catch (IOException) { return []; }
    }

    [Test, CancelAfter(600_000)]
    [Category("Reliability")]
    public void Two_thousand_services_reach_run_and_are_all_controllable_with_sv()
    {
        using var temp = new TempDirectory();
        const int Count = 2000;
        var services = Enumerable.Range(0, Count).Select(i => temp.Script($"service/s{i:0000}/run", Sleeper)).Select(Path.GetDirectoryName).OfType<string>().ToArray();
        var clock = Stopwatch.StartNew();
        var engine = StartEngine(temp, temp["service"]);
        try
        {
            Assert.That(Run.Until(() => services.All(RunsvdirTests.Running), 180_000), Is.True,
                $"{services.Count(RunsvdirTests.Running)} of {Count} reached run:\n" + File.ReadAllText(temp["engine.err"]));
            long upMs = clock.ElapsedMilliseconds;
            long pss = Procs.PssKiB(engine.Id);
            int fds = Procs.Fds(engine.Id).Length;
            TestContext.Out.WriteLine($"{Count} services running {upMs} ms after the engine started; engine PSS {pss} KiB, {fds} fds");

            var status = Sv(["status", .. services]);
            Assert.That(status.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.StartsWith("run: ")), Is.EqualTo(Count));
            // Bounds for a loaded machine, not targets: 2,000 stops took over 60 s with a soak of 200
            // crash-looping services beside them (the figures above are the test's report).
            Assert.That(Sv(["-w", "150", "down", .. services]).ExitCode, Is.Zero, "every service went down");
            Assert.That(Sv(["-w", "150", "up", .. services]).ExitCode, Is.Zero, "every service came back");
            Assert.That(File.ReadAllText(temp["engine.err"]), Is.Empty, "no warning on the way");
        }
        finally
        {
            Run.Kill(engine, 1);
            Assert.That(engine.WaitForExit(60_000), Is.True, "SIGHUP: all 2,000 stopped, then the engine exits");
            TestContext.Out.WriteLine($"stopped {clock.ElapsedMilliseconds} ms after the start");
        }
        Assert.That(services.All(s => Procs.Roots(s).Count == 0), Is.True, "no service left running");
        Reliability.Record("scale", "2,000 services in one directory under the engine", 2000, "all reach run and answer sv", peer: "runit's runsvdir stops at 1,000");
    }

    [Test, CancelAfter(30_000)]
    [Category("Reliability")]
    public void A_service_whose_supervise_cannot_be_set_up_is_reported_and_retried_while_the_others_run()
    {
        using var temp = new TempDirectory();
        temp.Script("service/broken/run", Sleeper);
        temp.Script("service/healthy/run", Sleeper);
        Directory.CreateDirectory(temp["service/broken/supervise"]);
        temp.Write("service/broken/supervise/control", "not a fifo");
        var engine = StartEngine(temp, temp["service"]);
        try
        {
            Assert.That(Run.Until(() => RunsvdirTests.Running(temp["service/healthy"]), 10_000), Is.True);
            Assert.That(Run.Until(() => File.ReadAllText(temp["engine.err"]).Split('\n').Count(l => l.Contains("not a fifo")) >= 2, 5_000), Is.True,
                "the failure is reported, and tried again: " + File.ReadAllText(temp["engine.err"]));
            Assert.That(File.ReadAllText(temp["engine.err"]).Split('\n').Where(l => l.Length > 0),
                Has.All.EqualTo("runsv broken: warning: supervise/control exists but is not a fifo"));
            Assert.That(Sv("status", temp["service/healthy"]).Stdout, Does.StartWith("run: "), "the other service is unaffected");

            File.Delete(temp["service/broken/supervise/control"]);
            Assert.That(Run.Until(() => RunsvdirTests.Running(temp["service/broken"]), 5_000), Is.True, "once fixed, the next try supervises it");
            Assert.That(engine.HasExited, Is.False);
        }
        finally
        {
            RunsvdirTests.Stop(engine);
        }
        Reliability.Record("bad input", "a service whose supervise/ cannot be set up, in the engine", 1, "reported under its name and retried; the others run");
    }

    [Test, CancelAfter(60_000)]
    [Category("Reliability")]
    public void When_descriptors_run_out_the_message_names_the_limit_and_the_started_services_run_on()
    {
        using var temp = new TempDirectory();
        for (int i = 0; i < 30; i++) temp.Script($"service/s{i:00}/run", Sleeper);
        // Without CAP_SYS_RESOURCE even root cannot lift the hard limit of 40.
        var engine = Run.Background("/usr/bin/setpriv", ["--bounding-set=-sys_resource", "--inh-caps=-sys_resource",
            "/usr/bin/prlimit", "--nofile=40:40", Binary.Applet("runsvdir"), temp["service"]], temp.Path, temp.Path, "engine");
        try
        {
            Assert.That(Run.Until(() => File.ReadAllText(temp["engine.err"]).Contains("process cannot open more files"), 10_000), Is.True,
                "no message about the limit: " + File.ReadAllText(temp["engine.err"]));
            string message = File.ReadAllText(temp["engine.err"]).Split('\n').First(l => l.Contains("process cannot open more files"));
            TestContext.Out.WriteLine(message);
            // Whichever descriptor ran out first (a service's or the scanner's), a warning, never fatal.
            Assert.That(message, Does.Match(@"^(runsv s\d\d|runsvdir \S+): warning: unable to .*: process cannot open more files \(the limit is 40 open files; raise it with ulimit -n"),
                File.ReadAllText(temp["engine.err"]));
            // A file that could not be opened for want of descriptors may exist: its default is never taken for it.
            Assert.That(File.ReadAllText(temp["engine.err"]), Does.Not.Contain("unable to open, ignored"));
            var running = Enumerable.Range(0, 30).Where(i => RunsvdirTests.Running(temp[$"service/s{i:00}"])).ToList();
            Assert.That(running, Is.Not.Empty, "the services that fit are supervised");
            Assert.That(Sv("status", temp[$"service/s{running[0]:00}"]).Stdout, Does.StartWith("run: "));
            Assert.That(engine.HasExited, Is.False, "the engine goes on");
        }
        finally
        {
            RunsvdirTests.Stop(engine);
        }
        Reliability.Record("resources", "file descriptors run out in the engine (EMFILE)", 1, "a message naming the limit; started services run on; the rest retried");
    }

    [Test, CancelAfter(60_000)]
    public void Idle_the_engine_wakes_only_for_its_rescan_timer()
    {
        using var temp = new TempDirectory();
        for (int i = 0; i < 20; i++) temp.Script($"service/s{i:00}/run", Sleeper);
        var engine = StartEngine(temp, temp["service"]);
        try
        {
            Assert.That(Run.Until(() => Enumerable.Range(0, 20).All(i => RunsvdirTests.Running(temp[$"service/s{i:00}"])), 10_000), Is.True);
            Thread.Sleep(1_000);    // the start-up settles: not a synchronisation
            long before = Procs.Wakeups(engine.Id);
            Thread.Sleep(10_500);   // the window measured: two rescans
            long wakeups = Procs.Wakeups(engine.Id) - before;
            TestContext.Out.WriteLine($"20 idle services: the engine's loop woke {wakeups} times in 10.5 s");
            Assert.That(wakeups, Is.LessThanOrEqualTo(4), "a rescan every 5 s, and no polling");
        }
        finally
        {
            RunsvdirTests.Stop(engine);
        }
    }

    [Test, CancelAfter(40_000)]
    public void SIGTERM_exits_0_at_once_and_a_successor_keeps_every_service_supervised_until_sv_exit()
    {
        using var temp = new TempDirectory();
        temp.Script("service/a/run", Sleeper);
        temp.Script("service/w/run", Writer);
        temp.Script("service/w/log/run", Logger(temp));
        var engine = StartEngine(temp, temp["service"]);
        string a = temp["service/a"], w = temp["service/w"];
        try
        {
            Assert.That(Run.Until(() => RunsvdirTests.Running(a) && RunsvdirTests.Running(w) && PidOf(w, log: true) != 0, 10_000), Is.True);
            var pids = (A: PidOf(a), W: PidOf(w), Log: PidOf(w, log: true));
            InALaterSecond();

            Run.Kill(engine, 15);
            Assert.That(engine.WaitForExit(2_000), Is.True, "runit's runsvdir exits at once on SIGTERM");
            Assert.That(engine.ExitCode, Is.Zero);

            // sv never sees a gap: the successor holds the same supervise/ok from the first moment.
            Assert.That(Sv("status", a).Stdout, Does.StartWith($"run: {a}: (pid {pids.A})"));
            Assert.That(Sv("status", w).Stdout, Does.StartWith($"run: {w}: (pid {pids.W})").And.Contains($"run: log: (pid {pids.Log})"));
            Assert.That(Sv("-w", "5", "restart", w + "/log").ExitCode, Is.Zero, "the logger is still supervised");
            Assert.That(PidOf(w, log: true), Is.Not.EqualTo(pids.Log));
            int logged = LoggedLines(temp).Count;
            Assert.That(Run.Until(() => LoggedLines(temp).Count > logged + 20, 5_000), Is.True, "the handed-over pipe still joins writer and logger");

            Assert.That(Sv("-w", "5", "exit", a, w).ExitCode, Is.Zero);
            Assert.That(Run.Until(() => Procs.Roots(a).Count + Procs.Roots(w).Count + Procs.Roots(w + "/log").Count == 0, 5_000), Is.True,
                "sv exit stopped every service, as runit's orphaned runsv processes would");
            Assert.That(Run.Until(() => Sv("status", a).Stdout.Contains("runsv not running"), 5_000), Is.True, "and the successor left");
        }
        finally
        {
            RunsvdirTests.Stop(engine);
            Sv("-w", "5", "exit", a, w);
        }
        var lines = LoggedLines(temp);
        Assert.That(Enumerable.Range(1, lines.Max()).Except(lines), Is.Empty, "no line lost across the hand-over");
    }

    [Test, CancelAfter(40_000)]
    public void A_removed_service_is_stopped_with_x_and_SIGHUP_stops_everything_and_exits_111()
    {
        using var temp = new TempDirectory();
        temp.Script("sv/web/run", Sleeper);
        temp.Script("sv/db/run", Sleeper);
        Directory.CreateDirectory(temp["service"]);
        File.CreateSymbolicLink(temp["service/db"], temp["sv/db"]);
        string log = "log: " + new string('.', 200);
        var engine = Run.Background(Binary.Applet("runsvdir"), [temp["service"], log], temp.Path, temp.Path, "engine");
        try
        {
            Assert.That(Run.Until(() => RunsvdirTests.Running(temp["sv/db"]), 10_000), Is.True);
            var clock = Stopwatch.StartNew();
            File.CreateSymbolicLink(temp["service/web"], temp["sv/web"]);
            Assert.That(Run.Until(() => RunsvdirTests.Running(temp["sv/web"]), 3_000), Is.True, "a linked service runs at once (inotify)");
            TestContext.Out.WriteLine($"linked service running after {clock.ElapsedMilliseconds} ms");
            int webPid = PidOf(temp["sv/web"]);

            File.Delete(temp["service/web"]);
            Assert.That(Run.Until(() => Procs.Ended(webPid), 5_000), Is.True, "the removed service was stopped");
            // The process is gone a moment before its supervisor has reaped it and written the status.
            Assert.That(Run.Until(() => StatusRecord.TryRead(File.ReadAllBytes(temp["sv/web/supervise/status"]), out var last) && last.State == RunState.Down, 5_000), Is.True,
                "the final down status is in the service's own directory");

            // Messages go to the readproctitle log, shown in ps.
            // Made under a name the scan skips, then moved in whole: the engine must not mkdir supervise/ first.
            temp.Write("service/.bad/supervise", "a file, not a directory");
            Directory.Move(temp["service/.bad"], temp["service/bad"]);
            Assert.That(Run.Until(() => Procs.Arguments(engine.Id) is { Length: >= 2 } a && a[^1].Contains("runsv bad: warning:"), 5_000), Is.True,
                "the error is shown in ps: " + string.Join(' ', Procs.Arguments(engine.Id)));

            int dbPid = PidOf(temp["sv/db"]);
            Run.Kill(engine, 1);
            Assert.That(engine.WaitForExit(10_000), Is.True);
            Assert.That(engine.ExitCode, Is.EqualTo(111), "SIGHUP: exit 111, as runit's runsvdir");
            Assert.That(Procs.Ended(dbPid), Is.True, "SIGHUP stopped the services before the engine left");
        }
        finally
        {
            RunsvdirTests.Stop(engine);
        }
    }
}
