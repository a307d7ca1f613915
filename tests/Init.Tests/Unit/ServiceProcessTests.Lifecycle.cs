using Init.Supervision;

namespace Init.Tests.Unit;

/// <summary>restart-limit (the failed state) and s6-rc's oneshots: the cells they add, against the fake world.</summary>
public partial class ServiceProcessTests
{
    private static readonly ServicePolicy ThreeDeathsInTenSeconds = ServicePolicy.Runit with { Limit = new RestartLimit(3, 10_000) };

    /// <summary>./run exits at once, <paramref name="times"/> times, each restart as soon as the 1-second rule lets it.</summary>
    private static void CrashRepeatedly(ServiceProcess p, FakeWorld world, int times)
    {
        for (int i = 0; i < times && p.Pid != 0; i++)
        {
            p.Exited(1 << 8);
            world.Now += ServiceProcess.MinimumRunMs;
            p.Reconcile();
        }
    }

    [Test, MaxTime(5_000)]
    public void Deaths_up_to_the_limit_within_the_window_make_the_service_failed_and_it_stays_down()
    {
        var (p, world) = Running(ThreeDeathsInTenSeconds);
        CrashRepeatedly(p, world, 3);
        Assert.That((p.Failed, p.Want, p.State, p.Pid, p.Deaths), Is.EqualTo((true, Want.Down, RunState.Down, 0, 3)));

        world.Log.Clear();
        world.Now += 60_000;
        p.Reconcile();
        Assert.That(world.Log, Does.Not.Contain("spawn run"), "failed: no more restarts");
    }

    [Test, MaxTime(5_000)]
    public void Up_clears_the_failure_and_the_deaths_and_starts_again()
    {
        var (p, world) = Running(ThreeDeathsInTenSeconds);
        CrashRepeatedly(p, world, 3);
        world.Log.Clear();
        p.Control('u');
        Assert.That((p.Failed, p.Deaths, p.Want, p.State), Is.EqualTo((false, 0, Want.Up, RunState.Run)));
        Assert.That(world.Log, Does.Contain("spawn run"));
    }

    [Test, MaxTime(5_000)]
    public void Deaths_older_than_the_window_are_forgotten()
    {
        var (p, world) = Running(ThreeDeathsInTenSeconds);
        CrashRepeatedly(p, world, 2);
        world.Now += 20_000;   // the next run lasts 20 s: both deaths fall out of the window
        CrashRepeatedly(p, world, 2);
        Assert.That((p.Failed, p.Deaths, p.State), Is.EqualTo((false, 2, RunState.Run)));
    }

    [Test, MaxTime(5_000)]
    public void A_stop_that_was_asked_for_is_no_death()
    {
        var (p, world) = Running(ThreeDeathsInTenSeconds);
        for (int i = 0; i < 5; i++)
        {
            p.Control('t');
            p.Exited(15);
            world.Now += ServiceProcess.MinimumRunMs;
            p.Reconcile();
        }
        Assert.That((p.Failed, p.Deaths, p.State), Is.EqualTo((false, 0, RunState.Run)));
    }

    [Test, MaxTime(5_000)]
    public void Finish_still_runs_after_the_death_that_makes_the_service_failed()
    {
        var (p, world) = Running(ThreeDeathsInTenSeconds, hasFinish: true);
        for (int i = 0; i < 3; i++)
        {
            p.Exited(1 << 8);
            p.Reconcile();                // ./finish
            Assert.That(p.State, Is.EqualTo(RunState.Finish));
            p.Exited(0);
            world.Now += ServiceProcess.MinimumRunMs;
            p.Reconcile();
        }
        Assert.That((p.Failed, p.State, p.Pid), Is.EqualTo((true, RunState.Down, 0)));
        Assert.That(world.Log.Count(l => l == "spawn finish"), Is.EqualTo(3));
    }

    [Test, MaxTime(5_000)]
    public void Without_a_limit_nothing_is_counted_and_a_crash_loop_goes_on_as_runit()
    {
        var (p, world) = Running();
        CrashRepeatedly(p, world, 10);
        Assert.That((p.Failed, p.Deaths, p.State, p.Want), Is.EqualTo((false, 0, RunState.Run, Want.Up)));
    }

    private static readonly ServicePolicy Oneshot = ServicePolicy.Runit with { Oneshot = true };

    /// <summary>A oneshot whose up has been spawned (pid 100), not yet exited.</summary>
    private static (ServiceProcess, FakeWorld) StartingOneshot(bool hasDown)
    {
        var world = new FakeWorld { Policy = Oneshot, HasFinish = hasDown, DeclaresReadiness = true };
        var p = new ServiceProcess(false, world);
        p.Reconcile();
        world.Log.Clear();
        world.Now += 5000;
        return (p, world);
    }

    [Test, MaxTime(5_000)]
    public void A_oneshot_whose_up_exits_0_is_up_and_ready_with_no_process_and_is_not_started_again()
    {
        var (p, world) = StartingOneshot(hasDown: true);
        Assert.That((p.State, p.Pid, p.Readiness), Is.EqualTo((RunState.Run, 100, Readiness.Starting)));
        p.Exited(0);
        Assert.That((p.State, p.Pid, p.Readiness, p.OneshotIsUp), Is.EqualTo((RunState.Run, 0, Readiness.Ready, true)));
        world.Log.Clear();
        world.Now += 60_000;
        p.Reconcile();
        Assert.That(world.Log, Is.Empty);
    }

    [Test, MaxTime(5_000)]
    public void Down_runs_the_oneshots_down_script_in_state_finish_then_it_is_down()
    {
        var (p, world) = StartingOneshot(hasDown: true);
        p.Exited(0);
        world.Log.Clear();
        p.Control('d');
        Assert.That(world.Log, Does.Contain("spawn finish"), "down runs where ./finish would");
        Assert.That((p.State, p.Pid), Is.EqualTo((RunState.Finish, 101)));
        p.Exited(0);
        Assert.That((p.State, p.Pid, p.Want), Is.EqualTo((RunState.Down, 0, Want.Down)));
    }

    [Test, MaxTime(5_000)]
    public void A_oneshot_without_down_is_down_at_once_when_told_to_stop()
    {
        var (p, world) = StartingOneshot(hasDown: false);
        p.Exited(0);
        world.Log.Clear();
        p.Control('x');
        Assert.That(world.Log, Does.Not.Contain("spawn finish"));
        Assert.That((p.State, p.Pid, p.Want), Is.EqualTo((RunState.Down, 0, Want.Exit)));
    }

    [Test, MaxTime(5_000)]
    public void A_failing_up_is_not_up_and_runs_again_as_a_crashed_run_would_without_finish()
    {
        var (p, world) = StartingOneshot(hasDown: true);
        p.Exited(1 << 8);
        Assert.That((p.State, p.Pid, p.Readiness), Is.EqualTo((RunState.Down, 0, Readiness.None)));
        Assert.That(world.Log, Does.Not.Contain("spawn finish"), "down is no ./finish: it never runs after a failed up");
        world.Log.Clear();
        p.Reconcile();
        Assert.That(world.Log, Does.Contain("spawn run"));
    }

    [Test, MaxTime(5_000)]
    public void Restart_of_an_up_oneshot_runs_down_then_up_again()
    {
        var (p, world) = StartingOneshot(hasDown: true);
        p.Exited(0);
        world.Log.Clear();
        p.Control('t');
        Assert.That((p.State, world.Log.Contains("spawn finish")), Is.EqualTo((RunState.Finish, true)));
        world.Log.Clear();
        p.Exited(0);
        p.Reconcile();
        Assert.That(world.Log, Does.Contain("spawn run"), "up again");
        Assert.That((p.State, p.Readiness), Is.EqualTo((RunState.Run, Readiness.Starting)));
    }

    [Test, MaxTime(5_000)]
    public void A_stop_while_up_still_runs_terminates_up_and_skips_down()
    {
        var (p, world) = StartingOneshot(hasDown: true);
        p.Control('d');
        Assert.That(world.Log, Does.Contain("kill 100 15"));
        p.Exited(15);
        Assert.That((p.State, p.Pid), Is.EqualTo((RunState.Down, 0)));
        Assert.That(world.Log, Does.Not.Contain("spawn finish"));
    }

    [TestCase("3 60000", 3, 60000L), TestCase("1 1", 1, 1L), TestCase("0 60000", null, null), TestCase("3 0", null, null),
     TestCase("3", null, null), TestCase("5000 1000", null, null), TestCase("three 1000", null, null), MaxTime(5_000)]
    public void A_restart_limit_is_deaths_from_1_and_a_window_in_milliseconds(string text, int? deaths, long? window) =>
        Assert.That(ServicePolicy.ParseRestartLimit(text), Is.EqualTo(deaths is null ? null : new RestartLimit(deaths.Value, window!.Value)));

    [Test, MaxTime(5_000)]
    public void Type_max_death_tally_and_restart_limit_are_read_and_bad_values_reported()
    {
        var dir = Directory.CreateTempSubdirectory("init-policy-").FullName;
        try
        {
            var warnings = new List<string>();
            File.WriteAllText(Path.Combine(dir, "type"), "oneshot\n");
            File.WriteAllText(Path.Combine(dir, "max-death-tally"), "5\n");
            File.WriteAllText(Path.Combine(dir, "restart-limit"), "4 30000\n");
            var policy = ServicePolicy.Read(dir, warnings.Add);
            Assert.That((policy.Oneshot, policy.DeathTally, policy.Limit), Is.EqualTo((true, 5, new RestartLimit(4, 30_000))));
            Assert.That(warnings, Is.Empty);
            Assert.That(ServicePolicy.IsOneshot(dir), Is.True);

            File.WriteAllText(Path.Combine(dir, "type"), "bundle\n");
            File.WriteAllText(Path.Combine(dir, "restart-limit"), "6 30000\n");
            policy = ServicePolicy.Read(dir, warnings.Add);
            Assert.That((policy.Oneshot, policy.Limit), Is.EqualTo((false, (RestartLimit?)null)));
            Assert.That(warnings, Is.EqualTo(new[]
            {
                "type: not longrun or oneshot: \"bundle\": ignored, a longrun",
                "restart-limit: 6 deaths, more than the 5 remembered (max-death-tally): ignored",
            }));
            Assert.That(ServicePolicy.IsOneshot(dir), Is.False);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}

/// <summary>timeout-up, the sd_notify watchdog, STOPPING=1 and EXTEND_TIMEOUT_USEC: deadlines the supervisor keeps, against the fake world.</summary>
public partial class ServiceProcessTests
{
    /// <summary>A service declaring readiness, its ./run (pid 100) just started.</summary>
    private static (ServiceProcess, FakeWorld) Starting(ServicePolicy policy)
    {
        var world = new FakeWorld { Policy = policy, DeclaresReadiness = true };
        var p = new ServiceProcess(false, world);
        p.Reconcile();
        world.Log.Clear();
        return (p, world);
    }

    [Test, MaxTime(5_000)]
    public void A_service_not_ready_within_timeout_up_is_reported_stopped_and_its_exit_is_a_death()
    {
        var (p, world) = Starting(ServicePolicy.Runit with { TimeoutUpMs = 3000, Limit = new RestartLimit(5, 60_000) });
        world.Now += 2999;
        p.Reconcile();
        Assert.That(world.Log, Does.Not.Contain("kill 100 15"));
        world.Now += 1;
        p.Reconcile();
        Assert.That(world.Log, Does.Contain("report not ready 3000 ms after its start (timeout-up): stopping it").And.Contain("kill 100 15"));
        Assert.That(p.TermSent, Is.False, "not a stop anybody asked for");
        world.Now += ServiceProcess.AbortKillMs;
        p.Reconcile();
        Assert.That(world.Log, Does.Contain("kill 100 9"), "one that ignores the signal is killed");
        p.Exited(9);
        Assert.That(p.Deaths, Is.EqualTo(1));
    }

    [Test, MaxTime(5_000)]
    public void Readiness_in_time_disarms_timeout_up()
    {
        var (p, world) = Starting(ServicePolicy.Runit with { TimeoutUpMs = 3000 });
        world.Now += 1000;
        p.Notified(100);
        world.Now += 10_000;
        p.Reconcile();
        Assert.That(world.Log, Has.None.StartsWith("kill").And.None.StartsWith("report"));
    }

    [Test, MaxTime(5_000)]
    public void Watchdog_pings_keep_the_service_and_a_missing_one_aborts_it()
    {
        var (p, world) = Starting(ServicePolicy.Runit with { WatchdogMs = 2000 });
        for (int i = 0; i < 5; i++)
        {
            world.Now += 1500;
            p.WatchdogPing();
            p.Reconcile();
        }
        Assert.That(world.Log, Has.None.StartsWith("kill"), "pinged in time");
        world.Now += 2000;
        p.Reconcile();
        Assert.That(world.Log, Does.Contain("report no WATCHDOG=1 for 2000 ms (watchdog-timeout): aborting it").And.Contain("kill 100 6"));
    }

    [Test, MaxTime(5_000)]
    public void Watchdog_trigger_aborts_at_once()
    {
        var (p, world) = Starting(ServicePolicy.Runit with { WatchdogMs = 60_000 });
        p.WatchdogTrigger();
        p.Reconcile();
        Assert.That(world.Log, Does.Contain("kill 100 6"));
    }

    [Test, MaxTime(5_000)]
    public void Extend_timeout_postpones_the_stop_deadline_and_stopping_ends_readiness()
    {
        var (p, world) = Starting(ServicePolicy.Runit with { TimeoutKillMs = 2000 });
        p.Notified(100);
        p.Stopping();
        Assert.That(p.Readiness, Is.EqualTo(Readiness.Stopping));
        p.Control('d');
        world.Now += 1000;
        p.ExtendTimeout(5000);
        world.Now += 4999;
        p.Reconcile();
        Assert.That(world.Log, Does.Not.Contain("kill 100 9"), "extended to 5 s from the message");
        world.Now += 1;
        p.Reconcile();
        Assert.That(world.Log, Does.Contain("kill 100 9"));
    }

    [TestCase('d'), TestCase('x'), MaxTime(5_000)]
    public void A_stop_waits_for_the_dependants_to_go_down_before_its_own_signal(char command)
    {
        var (p, world) = Running();
        world.DependantsUp = true;
        p.Control(command);
        Assert.That(world.Log, Does.Contain("stop dependants").And.Not.Contain("kill 100 15"));
        Assert.That(p.Busy, Is.True, "held like an override");
        p.Control('k');
        Assert.That(world.Log, Does.Not.Contain("kill 100 9"), "bytes meanwhile are held back");

        p.DependantsStopped();

        Assert.That(world.Log, Does.Contain("kill 100 15").And.Contain("kill 100 9"));
        Assert.That(world.Log.IndexOf("kill 100 15"), Is.LessThan(world.Log.IndexOf("kill 100 9")));
    }
}
