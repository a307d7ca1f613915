using Init.Tests.Support;

namespace Init.Tests.Pid1;

/// <summary>Multi-service container mode: init as PID 1 of a PID namespace running a service directory.</summary>
[TestFixture]
public class ContainerModeTests
{
    private static NamespacedInit Start(TempDirectory temp, params string[] extra) =>
        new(temp, ["--Mode=container", "--ServiceDirectory=" + temp["service"], .. extra]);

    private static bool AllUp(TempDirectory temp, params string[] services) =>
        services.All(s => File.Exists(temp[$"service/{s}/supervise/pid"]) && File.ReadAllText(temp[$"service/{s}/supervise/pid"]).Trim().Length > 0);

    /// <summary>An init=/sbin/init --version boot: PID 1 exiting after printing its version would panic the kernel.</summary>
    [TestCase("--version"), TestCase("--help"), CancelAfter(30_000)]
    public void As_PID_1_a_sole_version_or_help_argument_is_no_question_and_init_stays(string argument)
    {
        using var temp = new TempDirectory();
        temp.Script("service/quick/run", "exec sleep 1000\n");
        using var init = new NamespacedInit(temp, [argument], new Dictionary<string, string?> { ["INIT_MODE"] = "container", ["INIT_SERVICEDIRECTORY"] = temp["service"] });
        Assert.That(Run.Until(() => AllUp(temp, "quick"), 10_000), Is.True, "PID 1 did not go on to its services: " + init.Output);
        Assert.That(init.WaitForExit(500), Is.Null, init.Output);
        Assert.That(init.Output, Does.Not.Contain("(Init) ").And.Not.Contain("usage:"), init.Output);
        init.Signal(15);
        Assert.That(init.WaitForExit(15_000), Is.EqualTo(0), init.Output);
    }

    [Test, CancelAfter(30_000)]
    public void SIGTERM_stops_every_service_names_each_second_what_it_waits_for_kills_the_one_ignoring_TERM_and_exits_0_within_the_grace()
    {
        using var temp = new TempDirectory();
        temp.Script("service/quick/run", "exec sleep 1000\n");
        temp.Script("service/stubborn/run", "trap '' TERM\ntouch trapped\nwhile :; do sleep 1; done\n");
        using var init = Start(temp, "--StopGraceSeconds=2");
        Assert.That(Run.Until(() => AllUp(temp, "quick", "stubborn") && File.Exists(temp["service/stubborn/trapped"]), 10_000), Is.True, init.Output);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        init.Signal(15);
        int? exit = init.WaitForExit(15_000);

        Assert.That(exit, Is.EqualTo(0), init.Output);
        Assert.That(clock.Elapsed.TotalSeconds, Is.LessThan(2 + 4), "grace 2 s plus the SIGKILL wait bound");
        Assert.That(init.Output, Does.Contain("stage 3: quick: stopped"));
        Assert.That(init.Output, Does.Contain("stage 3: stubborn: killed after"));
        Assert.That(init.Output, Does.Contain("killed: stubborn"));
        Assert.That(init.Output, Does.Match(@"stage 3: waiting for stubborn \(1\.\ds\)\n"), "after a second, the one still awaited is named");
        Assert.That(init.Output, Does.Not.Contain("waiting for quick"), "what stopped at once is not");
    }

    [Test, CancelAfter(30_000)]
    public void Orphans_reparented_to_init_are_reaped_within_a_second()
    {
        using var temp = new TempDirectory();
        // Each round leaves a grandchild whose parent exits at once: it is reparented to PID 1.
        temp.Script("service/orphans/run", "while :; do ( sleep 0.05 & ); sleep 0.1; done\n");
        using var init = Start(temp);
        int pid1 = init.InitPid;
        Assert.That(Run.Until(() => AllUp(temp, "orphans"), 10_000), Is.True, init.Output);
        bool adopted = Run.Until(() => NamespacedInit.Stat(pid1).Any(p => p.Name == "sleep"), 5_000);
        Assert.That(adopted, Is.True, "no orphan was ever reparented to PID 1: the test proves nothing");

        // Five looks 200 ms apart: each time, every zombie child of PID 1 seen must be gone within a second.
        for (int look = 0; look < 5; look++)
        {
            var zombies = NamespacedInit.Stat(pid1).Where(p => p.State == 'Z').Select(p => p.Pid).ToHashSet();
            Assert.That(Run.Until(() => !NamespacedInit.Stat(pid1).Any(p => p.State == 'Z' && zombies.Contains(p.Pid)), 1_000), Is.True,
                "a zombie child of PID 1 lived for more than a second");
            Thread.Sleep(200);   // the pace of the looks, not a synchronisation
        }
        Assert.That(init.HasExited, Is.False, init.Output);
    }

    [Test, CancelAfter(40_000)]
    [Category("Reliability")]
    public void A_killed_engine_comes_back_and_adopts_every_service_with_no_second_copy_within_2500ms()
    {
        using var temp = new TempDirectory();
        temp.Script("service/a/run", "exec sleep 1000\n");
        temp.Script("service/b/run", "exec sleep 1000\n");
        using var init = Start(temp);
        int pid1 = init.InitPid;
        Assert.That(Run.Until(() => AllUp(temp, "a", "b"), 10_000), Is.True, init.Output);
        int engine = NamespacedInit.Stat(pid1).Single(p => p.Name == "runsvdir").Pid;
        Assert.That(NamespacedInit.Stat(engine).Select(p => p.Name), Is.EquivalentTo(new[] { "sleep", "sleep" }),
            "the engine is the services' parent: no runsv in between");
        string pidA = File.ReadAllText(temp["service/a/supervise/pid"]), pidB = File.ReadAllText(temp["service/b/supervise/pid"]);

        Run.Command("/bin/kill", "-9", engine.ToString());
        Assert.That(Run.Until(() => NamespacedInit.Stat(pid1).Any(p => p.Name == "runsvdir" && p.Pid != engine), 10_000), Is.True, init.Output);
        Assert.That(Run.Until(() => init.Output.Split("adopted pid").Length == 3, 10_000), Is.True, "both services adopted:\n" + init.Output);

        // sv sees the same processes under the new engine (once it holds supervise/ok: "adopted" is
        // said while it sets the service up, a moment before), and no second copy appears.
        foreach (var (name, pid) in new[] { ("a", pidA), ("b", pidB) })
        {
            string Status() => Run.Command(Support.Supervised.RunitSv, "status", temp[$"service/{name}"]).Stdout;
            Assert.That(Run.Until(() => Status().StartsWith($"run: {temp[$"service/{name}"]}: (pid {pid.Trim()})"), 5_000), Is.True, Status());
        }
        int Sleepers() => NamespacedInit.Stat(pid1).Concat(NamespacedInit.Stat(NamespacedInit.Stat(pid1).Single(p => p.Name == "runsvdir").Pid))
            .Count(p => p.Name == "sleep" && p.State != 'Z');
        Run.Never(() => Sleepers() != 2, TimeSpan.FromMilliseconds(2_500), "a service started twice under the new engine");
        Assert.That(File.ReadAllText(temp["service/a/supervise/pid"]), Is.EqualTo(pidA), "the service was not restarted");
        Assert.That(init.Output, Does.Contain("runsvdir ended (signal 9): restarting in 1s"));

        // Adopted, and still controlled: a restart through sv replaces the process.
        Assert.That(Run.Command(Support.Supervised.RunitSv, "-w", "5", "restart", temp["service/a"]).ExitCode, Is.Zero, init.Output);
        Assert.That(File.ReadAllText(temp["service/a/supervise/pid"]), Is.Not.EqualTo(pidA));
        Reliability.Record("PID 1", "kill -9 of the engine under PID 1 (container mode)", 1, "PID 1 restarts it in 1 s; both services adopted, not restarted", doubled: "0 (watched 2.5 s)");
    }

    [Test, CancelAfter(40_000)]
    [Category("Reliability")]
    public void A_killed_runsvdir_in_process_mode_comes_back_and_its_runsv_processes_stay_without_duplicates()
    {
        using var temp = new TempDirectory();
        temp.Script("service/a/run", "exec sleep 1000\n");
        temp.Script("service/b/run", "exec sleep 1000\n");
        using var init = Start(temp, "--Supervision=process");
        int pid1 = init.InitPid;
        Assert.That(Run.Until(() => AllUp(temp, "a", "b"), 10_000), Is.True, init.Output);
        int scanner = NamespacedInit.Stat(pid1).Single(p => p.Name == "runsvdir").Pid;
        string servicePidA = File.ReadAllText(temp["service/a/supervise/pid"]);

        Run.Command("/bin/kill", "-9", scanner.ToString());
        bool back = Run.Until(() => NamespacedInit.Stat(pid1).Any(p => p.Name == "runsvdir" && p.Pid != scanner), 10_000);
        Assert.That(back, Is.True, init.Output);
        // The new scanner tries a second runsv for each service; each finds the first one's lock.
        Assert.That(Run.Until(() => init.Output.Contains("runsv a: fatal: unable to lock supervise/lock")
            && init.Output.Contains("runsv b: fatal: unable to lock supervise/lock"), 10_000), Is.True, init.Output);

        // A refused second runsv lives for a moment each time the scanner retries: wait for the count to settle.
        List<(int Pid, char State, string Name)> runsvs = [];
        Run.Until(() => (runsvs = NamespacedInit.Stat(pid1).Concat(NamespacedInit.Stat(NamespacedInit.Stat(pid1).Single(p => p.Name == "runsvdir").Pid))
            .Where(p => p.Name == "runsv" && p.State != 'Z').ToList()).Count == 2, 3_000);
        Assert.That(runsvs, Has.Count.EqualTo(2), "one runsv per service");
        Assert.That(File.ReadAllText(temp["service/a/supervise/pid"]), Is.EqualTo(servicePidA), "the service was not restarted");
        Assert.That(init.Output, Does.Contain("runsvdir ended (signal 9): restarting in 1s"));
        Reliability.Record("PID 1", "kill -9 of runsvdir (per-process mode) under PID 1", 1, "PID 1 restarts it; the runsv processes stay; second runsv refused by the lock", doubled: "0");
    }

    [Test, CancelAfter(60_000)]
    [Category("Reliability")]
    public void Init_survives_1000_random_signals_sent_by_a_service_and_is_unmoved_500ms_later()
    {
        using var temp = new TempDirectory();
        // Every signal but the two that stop a container (TERM, INT) and the two nobody can catch.
        var rng = new Random(4);
        int[] pool = Enumerable.Range(1, 64).Where(s => s is not (9 or 19 or 15 or 2 or 32 or 33)).ToArray();
        var signals = Enumerable.Range(0, 1000).Select(_ => pool[rng.Next(pool.Length)]).ToList();
        temp.Script("service/storm/run", $"failed=0\nfor s in {string.Join(' ', signals)}; do kill -$s 1 || failed=$((failed + 1)); done\necho $failed > {temp["storm.done"]}\nexec sleep 1000\n");
        temp.Script("service/witness/run", "exec sleep 1000\n");
        using var init = Start(temp, "--StopGraceSeconds=2");
        Assert.That(Run.Until(() => File.Exists(temp["storm.done"]), 40_000), Is.True, init.Output);

        // The last signals may still be queued: watch init act on them.
        Run.Never(() => init.HasExited || init.Output.Contains("internal error"), TimeSpan.FromMilliseconds(500), "an exit or an internal error after the storm");
        Assert.That(File.ReadAllText(temp["storm.done"]).Trim(), Is.EqualTo("0"), "every kill(1, sig) was delivered");
        Assert.That(AllUp(temp, "witness"), Is.True);
        init.Signal(15);
        Assert.That(init.WaitForExit(15_000), Is.EqualTo(0), init.Output);
        Reliability.Record("PID 1", "1,000 random signals sent to PID 1 by a service (container mode)", 1000, "unmoved: no exit, no internal error, services up, then a clean stop");
    }

    [Test, CancelAfter(30_000)]
    public void Malformed_configuration_is_reported_and_the_defaults_are_used()
    {
        using var temp = new TempDirectory();
        temp.Script("service/a/run", "exec sleep 1000\n");
        temp.Write("bad.conf", "this is [not\n= an ini file\nStopGraceSeconds=soon\n");
        using var init = new NamespacedInit(temp, ["--Mode=container", "--ServiceDirectory=" + temp["service"], "--ConfigFile=" + temp["bad.conf"], "--ReapIntervalMs=0"],
            new Dictionary<string, string?> { ["INIT_KILLGRACESECONDS"] = "many" });
        Assert.That(Run.Until(() => AllUp(temp, "a"), 10_000), Is.True, init.Output);

        init.Signal(15);
        int? exit = init.WaitForExit(15_000);

        Assert.That(exit, Is.EqualTo(0), init.Output);
        Assert.That(init.Output, Does.Contain("bad.conf"));
        Assert.That(System.Text.RegularExpressions.Regex.Matches(init.Output, "INIT_KILLGRACESECONDS=many: KillGraceSeconds must be a whole number from 0: ignored"), Has.Count.EqualTo(1), "reported once");
        Assert.That(init.Output, Does.Contain("--ReapIntervalMs=0: ReapIntervalMs must be a whole number from 10 to 1000: ignored"));
    }

    [Test, CancelAfter(40_000)]
    public void An_essential_service_down_for_good_stops_the_others_and_the_container_exits_with_its_code()
    {
        using var temp = new TempDirectory();
        // main exits 3 and its ./finish says it is done (want down): down for good.
        temp.Script("service/main/run", $"#!/bin/sh\nwhile [ ! -e {temp["go"]} ]; do sleep 0.05; done\nexit 3\n");
        temp.Script("service/main/finish", "#!/bin/sh\nsv down .\n");
        temp.Write("service/main/essential", "");
        temp.Script("service/other/run", "exec sleep 1000\n");
        temp.Script("service/starts-down/run", "exec sleep 1000\n");
        temp.Write("service/starts-down/down", "");
        temp.Write("service/starts-down/essential", "");   // never ran: not down for good
        using var init = Start(temp);
        Assert.That(Run.Until(() => AllUp(temp, "main", "other"), 10_000), Is.True, init.Output);
        Run.Never(() => init.HasExited, TimeSpan.FromMilliseconds(600), "the container ending for an essential service that never ran");

        File.WriteAllText(temp["go"], "");

        Assert.That(init.WaitForExit(20_000), Is.EqualTo(3), init.Output);
        Assert.That(init.Output, Does.Contain("container: stage 3 (essential service main is down for good (exit 3))"));
        Assert.That(init.Output, Does.Contain("stage 3: other: stopped"));
        Reliability.Record("container", "an essential service exits 3 and its ./finish says sv down (container mode)", 1, "the others stopped, the container exits 3");
    }

    [Test, CancelAfter(40_000)]
    public void An_essential_service_that_reaches_its_restart_limit_ends_the_container_with_its_code()
    {
        using var temp = new TempDirectory();
        temp.Script("service/main/run", "#!/bin/sh\nexit 4\n");
        temp.Write("service/main/restart-limit", "3 60000\n");
        temp.Write("service/main/essential", "");
        temp.Script("service/other/run", "exec sleep 1000\n");
        using var init = Start(temp);

        Assert.That(init.WaitForExit(30_000), Is.EqualTo(4), init.Output);
        Assert.That(init.Output, Does.Contain("container: stage 3 (essential service main is down for good (exit 4))"));
        Assert.That(init.Output, Does.Contain("stage 3: other: stopped"));
        Reliability.Record("container", "an essential service crash-looping into its restart limit (container mode)", 1, "failed after 3 deaths; the others stopped, the container exits 4");
    }
}
