using Init.Supervision;
using static Init.Interop.Consts;

namespace Init.Tests.Unit;

/// <summary>down-signal, timeout-kill, timeout-finish and restart-backoff: the cells they add, against the fake world.</summary>
public partial class ServiceProcessTests
{
    private static (ServiceProcess, FakeWorld) Running(ServicePolicy policy, bool hasFinish = false)
    {
        var (p, world) = Running(hasFinish: hasFinish);
        world.Policy = policy;
        return (p, world);
    }

    [TestCase('d'), TestCase('x'), TestCase('t'), MaxTime(5_000)]
    public void A_down_signal_replaces_TERM_for_every_stop(char command)
    {
        var (p, world) = Running(ServicePolicy.Runit with { DownSignal = SIGHUP });
        p.Control(command);
        Assert.That(world.Log, Does.Contain("kill 100 1").And.Not.Contain("kill 100 15"));
        Assert.That(p.TermSent, Is.True, "the got-TERM flag means the stop signal was sent");
    }

    [Test, MaxTime(5_000)]
    public void Without_timeout_kill_a_stop_arms_no_deadline()
    {
        var (p, world) = Running();
        p.Control('d');
        world.Now += 60_000;
        p.Reconcile();
        Assert.That(world.Log, Does.Not.Contain("kill 100 9").And.Not.Contain("wake"));
    }

    [TestCase('d'), TestCase('x'), TestCase('t'), MaxTime(5_000)]
    public void Timeout_kill_sends_SIGKILL_when_the_process_outlives_it(char command)
    {
        var (p, world) = Running(ServicePolicy.Runit with { TimeoutKillMs = 2000 });
        long stoppedAt = world.Now;
        p.Control(command);
        Assert.That(world.WakeRequested, Is.EqualTo(stoppedAt + 2000));
        world.Log.Clear();

        world.Now += 1999;
        p.Reconcile();
        Assert.That(world.Log, Does.Not.Contain("kill 100 9"), "not before the deadline");
        world.Now += 1;
        p.Reconcile();
        Assert.That(world.Log, Does.Contain("kill 100 9"));
    }

    [Test, MaxTime(5_000)]
    public void A_second_stop_keeps_the_first_deadline()
    {
        var (p, world) = Running(ServicePolicy.Runit with { TimeoutKillMs = 2000 });
        long first = world.Now + 2000;
        p.Control('d');
        world.Now += 1500;
        p.Control('d');
        world.Now = first;
        world.Log.Clear();
        p.Reconcile();
        Assert.That(world.Log, Does.Contain("kill 100 9"));
    }

    [Test, MaxTime(5_000)]
    public void An_exit_before_the_deadline_cancels_the_kill()
    {
        var (p, world) = Running(ServicePolicy.Runit with { TimeoutKillMs = 2000 });
        p.Control('d');
        p.Exited(15);
        world.Now += 5000;
        world.Log.Clear();
        p.Reconcile();
        Assert.That(world.Log, Does.Not.Contain("kill 100 9"));
        Assert.That(p.State, Is.EqualTo(RunState.Down));
    }

    [Test, MaxTime(5_000)]
    public void A_handled_control_t_arms_no_deadline()
    {
        var (p, world) = Running(ServicePolicy.Runit with { TimeoutKillMs = 2000 });
        world.HandledOverrides.Add('t');
        p.Control('t');
        world.EndOverride(p);
        world.Now += 5000;
        p.Reconcile();
        Assert.That(world.Log, Does.Not.Contain("kill 100 9"));
    }

    [Test, MaxTime(5_000)]
    public void Timeout_finish_kills_a_finish_that_outlives_it()
    {
        var (p, world) = Running(ServicePolicy.Runit with { TimeoutFinishMs = 3000 }, hasFinish: true);
        p.Exited(0);
        p.Reconcile();
        int finish = p.Pid;
        Assert.That((p.State, world.WakeRequested), Is.EqualTo((RunState.Finish, world.Now + 3000)));
        world.Now += 3000;
        p.Reconcile();
        Assert.That(world.Log, Does.Contain($"kill {finish} 9"));
    }

    [Test, MaxTime(5_000)]
    public void Without_timeout_finish_a_finish_runs_as_long_as_it_likes()
    {
        var (p, world) = Running(hasFinish: true);
        p.Exited(0);
        p.Reconcile();
        int finish = p.Pid;
        world.Now += 3_600_000;
        p.Reconcile();
        Assert.That(world.Log, Does.Not.Contain($"kill {finish} 9"));
    }

    /// <summary>The gaps between the starts of ./run when it exits at once every time.</summary>
    private static List<long> StartGaps(FakeWorld world, ServiceProcess p, int starts)
    {
        var gaps = new List<long>();
        long last = world.Now;
        p.Exited(0);   // the first run exits at once (Running's clock moved 5 s: it ran 5 s)
        for (int i = 0; i < starts; i++)
        {
            p.Reconcile();
            int pid = p.Pid;
            while (p.Pid == 0) { world.Now = world.WakeRequested!.Value; p.Reconcile(); }
            Assert.That(p.Pid, Is.Not.EqualTo(pid));
            gaps.Add(world.Now - last);
            last = world.Now;
            p.Exited(0);
        }
        return gaps;
    }

    [Test, MaxTime(5_000)]
    public void Without_a_backoff_a_crash_loop_restarts_every_second_as_runit()
    {
        var world = new FakeWorld();
        var p = new ServiceProcess(false, world);
        p.Reconcile();
        Assert.That(StartGaps(world, p, 5), Is.EqualTo(new long[] { 1000, 1000, 1000, 1000, 1000 }));
        Assert.That((p.RestartDelayMs, p.Restarts), Is.EqualTo((0, 5)));
    }

    [Test, MaxTime(5_000)]
    public void With_a_backoff_a_crash_loop_waits_doubling_delays_up_to_the_maximum()
    {
        var world = new FakeWorld { Policy = ServicePolicy.Runit with { Backoff = new Backoff(1000, 8000, 60_000) } };
        var p = new ServiceProcess(false, world);
        p.Reconcile();
        Assert.That(StartGaps(world, p, 6), Is.EqualTo(new long[] { 1000, 2000, 4000, 8000, 8000, 8000 }));
        Assert.That(p.Restarts, Is.EqualTo(6));
    }

    [Test, MaxTime(5_000)]
    public void A_run_longer_than_the_reset_time_restarts_at_once_and_clears_the_delay()
    {
        var (p, world) = Running(ServicePolicy.Runit with { Backoff = new Backoff(1000, 60_000, 4000) });
        p.Exited(0);   // ran 5 s, longer than the 4 s reset
        Assert.That(p.RestartDelayMs, Is.Zero);
        world.Log.Clear();
        p.Reconcile();
        Assert.That(world.Log, Does.Contain("spawn run"));
    }

    [Test, MaxTime(5_000)]
    public void A_stop_that_was_asked_for_is_no_crash()
    {
        var (p, world) = Running(ServicePolicy.Runit with { Backoff = Backoff.Default });
        world.Now -= 4900;   // ran 100 ms
        p.Control('t');
        p.Exited(15);
        Assert.That(p.RestartDelayMs, Is.Zero);
    }

    [Test, MaxTime(5_000)]
    public void The_next_start_is_known_while_a_restart_waits()
    {
        var world = new FakeWorld { Policy = ServicePolicy.Runit with { Backoff = Backoff.Default } };
        var p = new ServiceProcess(false, world);
        p.Reconcile();
        p.Exited(0);
        p.Reconcile();
        Assert.That((p.RestartDelayMs, p.NextStartMs), Is.EqualTo((1000, world.Now + 1000)));
        world.Now += 1000;
        p.Reconcile();
        Assert.That((p.NextStartMs, p.Restarts, p.State), Is.EqualTo((0, 1, RunState.Run)));
    }

    [TestCase("2000", 2000), TestCase("0", 0), TestCase("4294967296", null), TestCase("-5", null), TestCase("abc", null),
     TestCase("", null), TestCase("1e3", null), TestCase("99999999999", null), MaxTime(5_000)]
    public void Milliseconds_are_decimal_digits_within_range(string text, long? expected) =>
        Assert.That(ServicePolicy.ParseMs(text), Is.EqualTo(expected));

    [TestCase("HUP", SIGHUP), TestCase("SIGHUP", SIGHUP), TestCase("1", SIGHUP), TestCase("SIGUSR1", SIGUSR1), TestCase("hup", null),
     TestCase("SIG", null), TestCase("0", null), TestCase("65", null), TestCase("TERM ", null), MaxTime(5_000)]
    public void Signals_are_named_as_s6_reads_them(string text, int? expected) =>
        Assert.That(ServicePolicy.ParseSignal(text), Is.EqualTo(expected));

    [Test, MaxTime(5_000)]
    public void A_backoff_file_is_three_numbers_or_empty_for_the_defaults()
    {
        Assert.That(ServicePolicy.ParseBackoff("500 4000 10000"), Is.EqualTo(new Backoff(500, 4000, 10000)));
        Assert.That(ServicePolicy.ParseBackoff(""), Is.EqualTo(Backoff.Default));
        Assert.That(ServicePolicy.ParseBackoff("0 4000 10000"), Is.Null, "no minimum: a crash loop at full speed");
        Assert.That(ServicePolicy.ParseBackoff("5000 4000 10000"), Is.Null);
        Assert.That(ServicePolicy.ParseBackoff("1000 4000"), Is.Null);
    }

    [Test, MaxTime(5_000)]
    public void The_files_of_a_directory_set_the_policy_and_restart_backoff_off_overrides_the_global_setting()
    {
        var dir = Directory.CreateTempSubdirectory("init-policy-").FullName;
        try
        {
            var warnings = new List<string>();
            Assert.That(ServicePolicy.Read(dir, warnings.Add), Is.EqualTo(ServicePolicy.Runit), "no file: runit");
            Assert.That(ServicePolicy.Read(dir, warnings.Add, ServicePolicy.Runit with { Backoff = Backoff.Default }).Backoff, Is.EqualTo(Backoff.Default), "the global setting");
            File.WriteAllText(Path.Combine(dir, "down-signal"), "HUP\n");
            File.WriteAllText(Path.Combine(dir, "timeout-kill"), "2000\nignored second line\n");
            File.WriteAllText(Path.Combine(dir, "timeout-finish"), "0\n");
            File.WriteAllText(Path.Combine(dir, "restart-backoff"), "off\n");

            var policy = ServicePolicy.Read(dir, warnings.Add, ServicePolicy.Runit with { Backoff = Backoff.Default, TimeoutKillMs = 9000 });

            Assert.That(policy, Is.EqualTo(new ServicePolicy(SIGHUP, 2000, 0, null)));
            Assert.That(warnings, Is.Empty);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Test, MaxTime(5_000)]
    public void A_symlink_a_fifo_or_a_huge_file_is_reported_and_ignored_without_blocking()
    {
        var dir = Directory.CreateTempSubdirectory("init-policy-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "elsewhere"), "2000\n");
            File.CreateSymbolicLink(Path.Combine(dir, "timeout-kill"), Path.Combine(dir, "elsewhere"));
            Assert.That(Init.Interop.Sys.MkfifoAt(-100, Path.Combine(dir, "timeout-finish"), 0x180), Is.Zero);
            File.WriteAllText(Path.Combine(dir, "down-signal"), new string('1', 100_000));
            File.WriteAllBytes(Path.Combine(dir, "restart-backoff"), [0xff, 0x00, 0x01]);
            var warnings = new List<string>();

            var policy = ServicePolicy.Read(dir, warnings.Add);

            Assert.That(policy, Is.EqualTo(ServicePolicy.Runit));
            Assert.That(warnings, Has.Count.EqualTo(4));
            Assert.That(warnings, Has.Some.EqualTo("timeout-kill: a symlink (never followed): ignored").And.Some.StartsWith("timeout-finish: not a plain file")
                .And.Some.EqualTo("down-signal: first line longer than 64 bytes: ignored").And.Some.StartsWith("restart-backoff: not off or MIN MAX RESET"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [TestCase(null, true, null), TestCase("off", true, null), TestCase("1000 60000 60000", true, 1000L), TestCase("soon", false, null), TestCase("0 1 1", false, null), TestCase("5 4 1", false, null), TestCase("1 2", false, null), TestCase("1 2 99999999999", false, null), MaxTime(5_000)]
    public void The_global_setting_is_off_or_three_numbers(string? text, bool valid, long? min)
    {
        Assert.That(ServicePolicy.TryParseBackoffSetting(text, out var backoff), Is.EqualTo(valid));
        Assert.That(backoff?.MinMs, Is.EqualTo(min));
        if (text is not null) Assert.That(Init.Configuration.InitSettings.IsBackoff(text), Is.EqualTo(valid), "the setting's check agrees");
    }
}
