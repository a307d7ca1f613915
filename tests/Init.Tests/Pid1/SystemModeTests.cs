using Init.Tests.Support;

namespace Init.Tests.Pid1;

/// <summary>
/// System mode (the boot path) as PID 1 of a PID namespace, without the console and mounts:
/// stage 2 and the shutdown requests. /run and /etc/runit are private tmpfs mounts so the
/// runit-init request files never touch the host.
/// </summary>
[TestFixture]
public class SystemModeTests
{
    private const string PrivateRunitDirs = "mount -t tmpfs tmpfs /run && mkdir -p /etc/runit && mount -t tmpfs tmpfs /etc/runit";

    private static NamespacedInit Start(TempDirectory temp, string? wrapper = PrivateRunitDirs, params string[] more) =>
        new(temp, ["--Mode=system", "--Stages=builtin", "--Console=false", "--Mount=false", "--ServiceDirectory=" + temp["service"],
            "--HookDirectory=" + temp["hooks"], "--StopGraceSeconds=2", "--KillGraceSeconds=1", .. more], wrapper: wrapper);

    [Test, CancelAfter(40_000)]
    public void Init_0_from_a_service_runs_stage_3_through_runit_inits_protocol()
    {
        using var temp = new TempDirectory();
        temp.Script("hooks/1", $"echo hook1 > {temp["hook1.ran"]}\n");
        temp.Script("hooks/3", "echo stage-3-hook-ran\n");
        temp.Script("service/a/run", "exec sleep 1000\n");
        // Asks once service a runs, so stage 3 has a service to stop.
        temp.Script("service/requester/run", $"while [ ! -s {temp["service/a/supervise/pid"]} ]; do sleep 0.02; done\nexec {Binary.Init} 0\n");
        using var init = Start(temp);

        int? exit = init.WaitForExit(25_000);

        Assert.That(exit, Is.Not.Null, init.Output);
        Assert.That(File.Exists(temp["hook1.ran"]), Is.True, "stage-1 hook");
        Assert.That(init.Output, Does.Contain("stage 3: poweroff (runit-init (stopit))"));
        Assert.That(init.Output, Does.Contain("stage 3: a: stopped"));
        Assert.That(init.Output, Does.Contain("stage-3-hook-ran"));
        Assert.That(init.Output, Does.Contain("stage 3: poweroff ("));
        // reboot(RB_POWER_OFF) in a PID namespace ends its init with SIGINT.
        Assert.That(exit, Is.EqualTo(128 + 2), init.Output);
    }

    [Test, CancelAfter(40_000)]
    public void A_failing_stage_1_hook_is_reported_and_stage_2_still_starts()
    {
        using var temp = new TempDirectory();
        temp.Script("hooks/1", "exit 3\n");
        temp.Script("service/a/run", $"echo up > {temp["a.up"]}; exec sleep 1000\n");
        using var init = Start(temp);

        bool up = Run.Until(() => File.Exists(temp["a.up"]), 10_000);
        init.Signal(12); // SIGUSR2: poweroff, busybox style
        int? exit = init.WaitForExit(20_000);

        Assert.That(up, Is.True, init.Output);
        Assert.That(init.Output, Does.Contain("failed (exit 3): going on"));
        Assert.That(init.Output, Does.Contain("stage 3: poweroff (SIGUSR2)"));
        Assert.That(exit, Is.EqualTo(128 + 2), init.Output);
    }

    [Test, CancelAfter(40_000)]
    public void A_bare_SIGCONT_without_a_stopit_file_changes_nothing_within_1s()
    {
        using var temp = new TempDirectory();
        temp.Script("service/a/run", $"echo up > {temp["a.up"]}; exec sleep 1000\n");
        using var init = Start(temp);
        Assert.That(Run.Until(() => File.Exists(temp["a.up"]), 10_000), Is.True, init.Output);

        init.Signal(18);

        Run.Never(() => init.HasExited || init.Output.Contains("stage 3"), TimeSpan.FromSeconds(1), "an exit or stage 3 after a bare SIGCONT");
        init.Signal(15); // SIGTERM: reboot
        Assert.That(init.WaitForExit(20_000), Is.Not.Null);
        Assert.That(init.Output, Does.Contain("stage 3: reboot (SIGTERM)"));
    }

    [Test, CancelAfter(40_000)]
    public void A_failing_stage_1_hook_runs_the_emergency_shell_before_stage_2()
    {
        using var temp = new TempDirectory();
        temp.Script("hooks/1", "exit 1\n");
        string shell = temp.Script("emergency", $"echo rescued > {temp["rescued"]}\n");
        temp.Script("service/a/run", $"echo up > {temp["a.up"]}; exec sleep 1000\n");
        using var init = new NamespacedInit(temp, ["--Mode=system", "--Stages=builtin", "--Console=false", "--Mount=false", "--ServiceDirectory=" + temp["service"],
            "--HookDirectory=" + temp["hooks"], "--EmergencyShell=" + shell, "--StopGraceSeconds=2", "--KillGraceSeconds=1"], wrapper: PrivateRunitDirs);

        bool up = Run.Until(() => File.Exists(temp["a.up"]), 10_000);
        init.Signal(2); // SIGINT: ctrl-alt-del, default action reboot
        int? exit = init.WaitForExit(20_000);

        Assert.That(up, Is.True, init.Output);
        Assert.That(File.Exists(temp["rescued"]), Is.True, init.Output);
        Assert.That(init.Output, Does.Contain("stage 3: reboot (ctrl-alt-del)"));
        // reboot(RB_AUTOBOOT) in a PID namespace ends its init with SIGHUP.
        Assert.That(exit, Is.EqualTo(128 + 1), init.Output);
    }

    [Test, CancelAfter(60_000)]
    [Category("Reliability")]
    public void Init_in_system_mode_survives_1000_random_signals_sent_by_a_service_and_is_unmoved_500ms_later()
    {
        using var temp = new TempDirectory();
        // Every signal but the shutdown requests (INT, USR1, USR2, TERM) and the uncatchable ones;
        // CONT stays in: without an executable stopit file it must change nothing.
        var rng = new Random(7);
        int[] pool = Enumerable.Range(1, 64).Where(s => s is not (2 or 9 or 10 or 12 or 15 or 19 or 32 or 33)).ToArray();
        var signals = Enumerable.Range(0, 1000).Select(_ => pool[rng.Next(pool.Length)]).ToList();
        temp.Script("service/storm/run", $"failed=0\nfor s in {string.Join(' ', signals)}; do kill -$s 1 || failed=$((failed + 1)); done\necho $failed > {temp["storm.done"]}\nexec sleep 1000\n");
        using var init = Start(temp);
        Assert.That(Run.Until(() => File.Exists(temp["storm.done"]), 40_000), Is.True, init.Output);

        // The last signals may still be queued: watch init act on them.
        Run.Never(() => init.HasExited || init.Output.Contains("stage 3") || init.Output.Contains("internal error"), TimeSpan.FromMilliseconds(500),
            "an exit, stage 3 or an internal error after the storm");
        Assert.That(File.ReadAllText(temp["storm.done"]).Trim(), Is.EqualTo("0"));
        init.Signal(12);
        Assert.That(init.WaitForExit(20_000), Is.EqualTo(128 + 2), init.Output);
        Reliability.Record("PID 1", "1,000 random signals sent to PID 1 by a service (system mode)", 1000, "unmoved: no exit, no stage 3, no internal error");
    }

    [TestCase(12, "stage 3: poweroff (SIGUSR2)", 128 + 2)]
    [TestCase(10, "stage 3: halt (SIGUSR1)", 128 + 2)]
    [TestCase(15, "stage 3: reboot (SIGTERM)", 128 + 1)]
    [TestCase(2, "stage 3: reboot (ctrl-alt-del)", 128 + 1)]
    [CancelAfter(40_000)]
    [Category("Reliability")]
    public void After_a_failure_of_its_own_set_up_PID_1_starts_no_service_but_a_signal_still_runs_stage_3(int signo, string stage3, int exit)
    {
        using var temp = new TempDirectory();
        temp.Script("hooks/3", "echo stage-3-hook-ran\n");
        temp.Script("service/a/run", $"echo up > {temp["a.up"]}; exec sleep 1000\n");
        using var init = StartFailing(temp);
        Assert.That(Run.Until(() => init.Output.Contains("waiting for a shutdown request"), 10_000), Is.True, init.Output);

        init.Signal(signo);

        Assert.That(init.WaitForExit(20_000), Is.EqualTo(exit), init.Output);
        Assert.That(init.Output, Does.Contain("fatal: internal error: InvalidOperationException: INIT_TEST_FAULT=setup"));
        Assert.That(init.Output, Does.Contain(stage3));
        Assert.That(init.Output, Does.Contain("stage-3-hook-ran"));
        Assert.That(File.Exists(temp["a.up"]), Is.False, "no service starts after the failure");
        Reliability.Record("PID 1", $"a failure in PID 1's own set-up (fault injected), then signal {signo}", 1, $"no services, \"{stage3}\", exit {exit} (the namespace's reboot)");
    }

    [Test, CancelAfter(40_000)]
    public void After_a_failure_of_its_own_set_up_PID_1_still_honours_runit_inits_request()
    {
        using var temp = new TempDirectory();
        using var init = StartFailing(temp);
        Assert.That(Run.Until(() => init.Output.Contains("waiting for a shutdown request"), 10_000), Is.True, init.Output);

        // `init 6` from inside the namespace (its PID 1 and its private /etc/runit); stage 3 may
        // TERM the requester itself before it has exited, so only PID 1's course tells.
        Run.Command("nsenter", "--target", init.InitPid.ToString(), "--pid", "--mount", Binary.Init, "6");

        Assert.That(init.WaitForExit(20_000), Is.EqualTo(128 + 1), init.Output);
        Assert.That(init.Output, Does.Contain("stage 3: reboot (runit-init (stopit))"));
    }

    [Test, CancelAfter(40_000)]
    [Category("Reliability")]
    public void When_reboot_fails_PID_1_stays_up_and_never_kills_the_finished_stage_3_hooks_group()
    {
        using var temp = new TempDirectory();
        // The hook leaves a child in its process group: the hook's deadline (1 s) would kill it.
        temp.Script("hooks/3", "sleep 1000 &\necho hook-left-a-child\n");
        // Without CAP_SYS_BOOT, reboot(2) fails with EPERM.
        using var init = Start(temp, PrivateRunitDirs + "; exec setpriv --bounding-set -sys_boot \"$0\" \"$@\"", "--HookTimeoutSeconds=1");
        Assert.That(Run.Until(() => init.Output.Contains("stage 2: up"), 10_000), Is.True, init.Output);

        init.Signal(12);

        Assert.That(Run.Until(() => init.Output.Contains("reboot(2) failed"), 20_000), Is.True, init.Output);
        int pid1 = init.InitPid;
        Assert.That(NamespacedInit.Stat(pid1).Any(p => p.Name == "sleep"), Is.True, "the hook's child, now PID 1's: " + init.Output);
        Run.Never(() => init.HasExited || !NamespacedInit.Stat(pid1).Any(p => p.Name == "sleep"), TimeSpan.FromSeconds(2),
            "PID 1 exiting, or the hook's deadline killing its group after the hook had ended");
        Assert.That(init.Output, Does.Not.Contain("still running after"));
        Reliability.Record("PID 1", "reboot(2) fails (no CAP_SYS_BOOT) after stage 3", 1, "PID 1 says so and stays up; the stage-3 hook's deadline never fires (watched 2 s)");
    }

    private static NamespacedInit StartFailing(TempDirectory temp) =>
        new(temp, ["--Mode=system", "--Stages=builtin", "--Console=false", "--Mount=false", "--ServiceDirectory=" + temp["service"],
            "--HookDirectory=" + temp["hooks"], "--StopGraceSeconds=2", "--KillGraceSeconds=1"],
            environment: new Dictionary<string, string?> { ["INIT_TEST_FAULT"] = "setup" }, wrapper: PrivateRunitDirs);
}
