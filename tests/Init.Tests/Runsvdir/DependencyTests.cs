using Init.Tests.Support;

namespace Init.Tests.Runsvdir;

/// <summary>
/// s6-rc's dependencies.d under our runsvdir (the engine and a runsv per service): a service
/// starts once what it needs is up and ready; a cycle is reported naming its services and the
/// others start. runit's sv reads every service as usual.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class DependencyTests
{
    /// <summary>Notes when ./run started and when it said it is ready (1 s later), in nanoseconds.</summary>
    private const string ReadyAfter1s = "#!/bin/sh\ndate +%s%N > started\nsleep 1\ndate +%s%N > ready-at\necho >&3\nexec sleep 1000\n";

    private static long Nanoseconds(string file) => long.Parse(File.ReadAllText(file).Trim());

    /// <summary>
    /// SIGHUP tells every service x at once: none may send its dependants a 'd' of its own, which
    /// would reach them after their x and keep them (and so the engine) for good. Directly, and
    /// after a hand-over (SIGTERM), whose successor carries the services on: once it runs, and the
    /// moment it is started (while its runtime starts, the signal must wait, not kill it and leave
    /// the services with no supervisor).
    /// <para>Under a runsv per service, runsvdir's SIGHUP is a TERM to every runsv at once: each must end too.</para>
    /// </summary>
    [TestCase("direct"), TestCase("successor"), TestCase("successor at once"), TestCase("runsv per service")]
    [CancelAfter(60_000)]
    public void SIGHUP_stops_a_chain_and_the_engine_exits(string to)
    {
        using var temp = new TempDirectory();
        string[] names = ["db", "web", "app"];
        foreach (string name in names) temp.Script($"service/{name}/run", "#!/bin/sh\nexec sleep 1000\n");
        temp.Write("service/web/dependencies.d/db", "");
        temp.Write("service/app/dependencies.d/web", "");
        var engine = Run.Background(Binary.Applet("runsvdir"), [temp["service"]], temp.Path, temp.Path, "runsvdir",
            new Dictionary<string, string?> { ["INIT_SUPERVISION"] = to == "runsv per service" ? "process" : "engine" });
        int successor = 0;
        // The successor is this binary again (its comm "exe", from /proc/self/exe), as runsvdir DIR.
        bool IsSuccessor(int pid) => pid > 0 && pid != engine.Id && !Procs.Ended(pid) && Procs.Arguments(pid) is ["runsvdir", var dir] && dir == temp["service"];
        try
        {
            Assert.That(Run.Until(() => names.All(s => RunsvdirTests.Running(temp[$"service/{s}"])), 15_000), Is.True);
            int target = engine.Id;
            int AnySuccessor() => Directory.EnumerateDirectories("/proc").Select(d => int.TryParse(Path.GetFileName(d), out int pid) ? pid : 0).FirstOrDefault(IsSuccessor);
            if (to == "successor at once")
            {
                // Found among the engine's children as soon as it has exec'd (or anywhere, once the engine has gone), and told at once.
                Run.Kill(engine, 15);
                Assert.That(Run.Until(() => (successor = engine.HasExited ? AnySuccessor() : ChildOf(engine.Id, IsSuccessor)) > 0, 5_000), Is.True, "no successor");
                target = successor;
            }
            else if (to == "successor")
            {
                Run.Kill(engine, 15);
                Assert.That(Run.WaitForExit(engine, 5_000), Is.EqualTo(0), "the hand-over");
                Assert.That(Run.Until(() => (successor = AnySuccessor()) > 0, 5_000), Is.True, "no successor");
                target = successor;
            }
            Run.Command("/bin/kill", "-HUP", target.ToString());
            Assert.That(Run.Until(() => Procs.Ended(target), 10_000), Is.True, "the engine ended once every service was down\n" + File.ReadAllText(temp["runsvdir.err"]));
            // Each runsv (and its service) gone: nothing works in a service directory any more.
            Assert.That(Run.Until(() => names.All(n => Procs.In(temp[$"service/{n}"]).Count == 0), 10_000), Is.True,
                "a supervisor or service left behind\n" + File.ReadAllText(temp["runsvdir.err"]));
            foreach (string name in names)
                Assert.That(File.ReadAllText(temp[$"service/{name}/supervise/stat"]).Trim(), Is.EqualTo("down"), name);
        }
        finally
        {
            RunsvdirTests.Stop(engine);
            foreach (string name in names)
                foreach (int pid in Procs.In(temp[$"service/{name}"])) Run.Command("/bin/kill", "-9", pid.ToString());
            if (successor > 0 && !Procs.Ended(successor)) Run.Command("/bin/kill", "-9", successor.ToString());
        }
    }

    /// <summary>A child of <paramref name="parent"/> that <paramref name="matches"/>, from its children list (no scan of /proc); 0 if none.</summary>
    private static int ChildOf(int parent, Func<int, bool> matches)
    {
        try
        {
            return File.ReadAllText($"/proc/{parent}/task/{parent}/children").Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(int.Parse).FirstOrDefault(pid => { try { return matches(pid); } catch (IOException) { return false; } });
        }
        catch (IOException) { return 0; }
    }

    [TestCase("engine"), TestCase("process")]
    [CancelAfter(60_000)]
    public void A_chain_starts_in_order_each_after_what_it_needs_is_ready(string mode)
    {
        using var temp = new TempDirectory();
        foreach (string name in new[] { "a", "b", "c" })
        {
            temp.Script($"service/{name}/run", ReadyAfter1s);
            temp.Write($"service/{name}/notification-fd", "3\n");
        }
        temp.Write("service/b/dependencies.d/a", "");
        temp.Write("service/c/dependencies.d/b", "");
        var runsvdir = Run.Background(Binary.Applet("runsvdir"), [temp["service"]], temp.Path, temp.Path, "runsvdir",
            new Dictionary<string, string?> { ["INIT_SUPERVISION"] = mode });
        try
        {
            Assert.That(Run.Until(() => File.Exists(temp["service/a/started"]), 10_000), Is.True, "a never started");
            Assert.That(Run.Until(() => File.Exists(temp["service/c/supervise/waiting"]) && File.ReadAllText(temp["service/c/supervise/waiting"]) == "b\n", 5_000),
                Is.True, "c says what it waits for");
            Assert.That(Run.Until(() => File.Exists(temp["service/c/ready-at"]), 20_000), Is.True, "c never became ready");

            Assert.That(Nanoseconds(temp["service/b/started"]), Is.GreaterThanOrEqualTo(Nanoseconds(temp["service/a/ready-at"])), "b started before a was ready");
            Assert.That(Nanoseconds(temp["service/c/started"]), Is.GreaterThanOrEqualTo(Nanoseconds(temp["service/b/ready-at"])), "c started before b was ready");
            Assert.That(File.ReadAllText(temp["service/c/supervise/waiting"]), Is.Empty, "nothing left to wait for");
            foreach (string name in new[] { "a", "b", "c" })
                Assert.That(Run.Command(Supervised.RunitSv, "status", temp[$"service/{name}"]).Stdout, Does.StartWith($"run: {temp[$"service/{name}"]}: (pid "));
            Reliability.Record("lifecycle", $"a chain c -> b -> a, each ready 1 s after its start ({mode})", 1,
                $"each started after what it needs was ready: b {(Nanoseconds(temp["service/b/started"]) - Nanoseconds(temp["service/a/ready-at"])) / 1_000_000} ms after a, c {(Nanoseconds(temp["service/c/started"]) - Nanoseconds(temp["service/b/ready-at"])) / 1_000_000} ms after b");
        }
        finally { RunsvdirTests.Stop(runsvdir); }
    }

    [TestCase("engine"), TestCase("process")]
    [CancelAfter(40_000)]
    public void A_cycle_is_reported_naming_its_services_they_do_not_start_and_the_others_do(string mode)
    {
        using var temp = new TempDirectory();
        foreach (string name in new[] { "x", "y", "z" }) temp.Script($"service/{name}/run", "#!/bin/sh\ntouch started\nexec sleep 1000\n");
        temp.Write("service/x/dependencies.d/y", "");
        temp.Write("service/y/dependencies.d/x", "");
        temp.Write("service/z/dependencies.d/nosuch", "");
        temp.Script("service/w/run", "#!/bin/sh\ntouch started\nexec sleep 1000\n");
        var runsvdir = Run.Background(Binary.Applet("runsvdir"), [temp["service"]], temp.Path, temp.Path, "runsvdir",
            new Dictionary<string, string?> { ["INIT_SUPERVISION"] = mode });
        try
        {
            Assert.That(Run.Until(() => File.Exists(temp["service/w/started"]), 10_000), Is.True, "an independent service starts");
            string Err() => File.ReadAllText(temp["runsvdir.err"]);
            Assert.That(Run.Until(() => Err().Contains("runsv x: warning: dependency cycle: x -> y -> x: not starting")
                && Err().Contains("runsv y: warning: dependency cycle: y -> x -> y: not starting")
                && Err().Contains($"runsv z: warning: dependency nosuch: no such service in {temp["service"]}: waiting for it"), 5_000), Is.True, Err());
            Run.Never(() => File.Exists(temp["service/x/started"]) || File.Exists(temp["service/y/started"]) || File.Exists(temp["service/z/started"]),
                TimeSpan.FromSeconds(1), "a service whose dependencies cannot be met starting");
            Assert.That(File.ReadAllText(temp["service/z/supervise/waiting"]), Is.EqualTo("nosuch\n"));
            Assert.That(Run.Command(Supervised.RunitSv, "status", temp["service/x"]).Stdout, Does.StartWith($"down: {temp["service/x"]}: "), "runit's sv: down, want up");
            Reliability.Record("bad input", $"a dependency cycle x <-> y and an unknown dependency ({mode})", 1, "reported at start naming the services; those wait, the others start");
        }
        finally { RunsvdirTests.Stop(runsvdir); }
    }

    [Test, CancelAfter(40_000)]
    public void A_container_stop_stops_a_service_before_what_it_needs()
    {
        using var temp = new TempDirectory();
        // Each notes when TERM reached it and takes half a second to go: stopped in parallel, the
        // three notes would be moments apart; in order, each comes after the one before had gone.
        const string Run = "#!/bin/sh\ntrap 'date +%s%N > stopped; sleep 0.5; exit 0' TERM\ntouch started\nwhile :; do sleep 0.05; done\n";
        foreach (string name in new[] { "a", "b", "c" }) temp.Script($"service/{name}/run", Run);
        temp.Write("service/b/dependencies.d/a", "");
        temp.Write("service/c/dependencies.d/b", "");
        using var init = new Pid1.NamespacedInit(temp, ["--Mode=container", "--ServiceDirectory=" + temp["service"], "--StopGraceSeconds=5"]);
        Assert.That(Support.Run.Until(() => new[] { "a", "b", "c" }.All(n => File.Exists(temp[$"service/{n}/started"])), 15_000), Is.True, init.Output);

        init.Signal(15);

        Assert.That(init.WaitForExit(20_000), Is.EqualTo(0), init.Output);
        long a = Nanoseconds(temp["service/a/stopped"]), b = Nanoseconds(temp["service/b/stopped"]), c = Nanoseconds(temp["service/c/stopped"]);
        Assert.That(b - c, Is.GreaterThanOrEqualTo(400_000_000), "c needs b: b gets TERM only once c has gone");
        Assert.That(a - b, Is.GreaterThanOrEqualTo(400_000_000), "b needs a: a gets TERM only once b has gone");
        Reliability.Record("lifecycle", "container stop of a chain c -> b -> a", 1, $"stopped in reverse order: c, then b {(b - c) / 1_000_000} ms later, then a {(a - b) / 1_000_000} ms later");
    }

    /// <summary>Notes when TERM reached it and takes half a second to go.</summary>
    private const string SlowStop = "#!/bin/sh\ntrap 'date +%s%N > stopped; sleep 0.5; exit 0' TERM\ntouch started\nwhile :; do sleep 0.05; done\n";

    [TestCase("engine", true), TestCase("process", true), TestCase("engine", false), CancelAfter(40_000)]
    public void Sv_down_of_a_dependency_first_stops_what_needs_it_unless_the_setting_is_off(string mode, bool stopDependants)
    {
        using var temp = new TempDirectory();
        foreach (string name in new[] { "db", "app", "other" }) temp.Script($"service/{name}/run", SlowStop);
        temp.Write("service/app/dependencies.d/db", "");
        var runsvdir = Run.Background(Binary.Applet("runsvdir"), [temp["service"]], temp.Path, temp.Path, "runsvdir",
            new Dictionary<string, string?> { ["INIT_SUPERVISION"] = mode, ["INIT_STOPDEPENDANTS"] = stopDependants ? "true" : "false" });
        try
        {
            Assert.That(Run.Until(() => new[] { "db", "app", "other" }.All(n => File.Exists(temp[$"service/{n}/started"])), 15_000), Is.True, File.ReadAllText(temp["runsvdir.err"]));

            var down = Run.Command(Binary.Applet("sv"), "-w", "15", "down", temp["service/db"]);

            Assert.That(down.Stdout, Does.StartWith($"ok: down: {temp["service/db"]}: "));
            string app = Run.Command(Binary.Applet("sv"), "status", temp["service/app"]).Stdout;
            Assert.That(Run.Command(Binary.Applet("sv"), "status", temp["service/other"]).Stdout, Does.StartWith("run: "), "what does not need db runs on");
            if (!stopDependants)
            {
                Assert.That(app, Does.StartWith("run: "), "StopDependants=false: only db stops");
                return;
            }
            Assert.That(Run.Until(() => Run.Command(Binary.Applet("sv"), "status", temp["service/app"]).Stdout.StartsWith("down: "), 5_000), Is.True, app);
            long db = Nanoseconds(temp["service/db/stopped"]), appStopped = Nanoseconds(temp["service/app/stopped"]);
            Assert.That(db - appStopped, Is.GreaterThanOrEqualTo(400_000_000), "db gets TERM only once app, which needs it, has gone");
            Assert.That(Run.Command(Supervised.RunitSv, "status", temp["service/app"]).Stdout, Does.Match(@"^down: .*, normally up\n$"), "runit's sv: app wanted down");
            Reliability.Record("lifecycle", $"sv down of a service another needs ({mode})", 1, $"the dependant stopped first, the service {(db - appStopped) / 1_000_000} ms later; the unrelated one ran on");
        }
        finally { RunsvdirTests.Stop(runsvdir); }
    }
}
