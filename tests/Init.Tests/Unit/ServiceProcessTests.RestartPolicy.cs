using Init.Supervision;

namespace Init.Tests.Unit;

/// <summary>restart-policy (systemd's Restart=): which exits are followed by a restart, against the fake world and as parsed.</summary>
public partial class ServiceProcessTests
{
    private static ServicePolicy Restarting(string line) =>
        ServicePolicy.Runit with { Restart = RestartPolicy.Parse(line) ?? throw new ArgumentException(line) };

    private const int Exit0 = 0, Exit1 = 1 << 8, Exit255 = 255 << 8, KilledByTerm = 15, KilledBySegv = 11, KilledByKill = 9;

    [TestCase("on-failure", Exit0, false), TestCase("on-failure", Exit1, true), TestCase("on-failure", KilledByTerm, false)]
    [TestCase("on-failure", KilledBySegv, true), TestCase("on-success", Exit0, true), TestCase("on-success", Exit1, false)]
    [TestCase("never", KilledBySegv, false), TestCase("no", Exit1, false), TestCase("always", Exit0, true)]
    [TestCase("on-abnormal", Exit1, false), TestCase("on-abnormal", KilledBySegv, true), TestCase("on-abort", KilledByKill, true)]
    [TestCase("on-abort", Exit1, false), TestCase("on-watchdog", KilledBySegv, false)]
    [TestCase("on-failure prevent=255", Exit255, false), TestCase("on-failure success=1", Exit1, false)]
    [TestCase("on-failure success=SIGKILL", KilledByKill, false), TestCase("never force=1,SIGSEGV", KilledBySegv, true)]
    [MaxTime(5_000)]
    public void An_exit_nobody_asked_for_is_restarted_as_the_policy_says(string line, int status, bool restarted)
    {
        var (p, world) = Running(Restarting(line));
        p.Exited(status);
        world.Now += ServiceProcess.MinimumRunMs;
        p.Reconcile();
        Assert.That((p.Want, p.State), Is.EqualTo(restarted ? (Want.Up, RunState.Run) : (Want.Down, RunState.Down)));
        if (!restarted)
            Assert.That(world.Log, Has.Some.Match(@"^report (exit|signal) \d+: not started again \(restart-policy: "));
    }

    [TestCase('t'), TestCase('d'), MaxTime(5_000)]
    public void A_stop_asked_for_is_obeyed_whatever_the_policy(char command)
    {
        var (p, world) = Running(Restarting("never"));
        p.Control(command);
        p.Exited(KilledByTerm);
        world.Now += ServiceProcess.MinimumRunMs;
        p.Reconcile();
        Assert.That(p.Want, Is.EqualTo(command == 't' ? Want.Up : Want.Down));
        Assert.That(p.State, Is.EqualTo(command == 't' ? RunState.Run : RunState.Down), "sv restart restarts even a never-restarted service");
        Assert.That(world.Log, Has.None.StartsWith("report"));
    }

    [Test, MaxTime(5_000)]
    public void A_service_not_restarted_still_runs_its_finish_and_up_starts_it_again()
    {
        var (p, world) = Running(Restarting("on-failure"), hasFinish: true);
        p.Exited(Exit0);
        Assert.That((p.Want, p.State), Is.EqualTo((Want.Down, RunState.Finish)));
        p.Exited(Exit0);   // ./finish
        world.Now += ServiceProcess.MinimumRunMs;
        p.Reconcile();
        Assert.That(p.State, Is.EqualTo(RunState.Down));
        p.Control('u');
        Assert.That((p.Want, p.State), Is.EqualTo((Want.Up, RunState.Run)));
    }

    [Test, MaxTime(5_000)]
    public void A_stop_for_timeout_up_is_a_failure_not_a_clean_TERM()
    {
        var (p, world) = Starting(Restarting("on-failure") with { TimeoutUpMs = 3000 });
        world.Now += 3000;
        p.Reconcile();
        p.Exited(KilledByTerm);   // by the supervisor's own down-signal
        world.Now += ServiceProcess.MinimumRunMs;
        p.Reconcile();
        Assert.That((p.Want, p.State), Is.EqualTo((Want.Up, RunState.Run)));

        var (q, other) = Starting(Restarting("on-watchdog") with { WatchdogMs = 2000 });
        other.Now += 2000;
        q.Reconcile();
        q.Exited(6);
        other.Now += ServiceProcess.MinimumRunMs;
        q.Reconcile();
        Assert.That((q.Want, q.State), Is.EqualTo((Want.Up, RunState.Run)), "on-watchdog restarts after the watchdog's abort");
    }

    [TestCase("always"), TestCase("on-failure prevent=255"), TestCase("on-success success=1,2,SIGUSR1 force=SIGABRT"), TestCase("never")]
    [MaxTime(5_000)]
    public void A_policy_reads_back_from_its_own_line(string line) =>
        Assert.That(RestartPolicy.Parse(line)!.ToString(), Is.EqualTo(line));

    [TestCase(""), TestCase("sometimes"), TestCase("on-failure prevent="), TestCase("on-failure prevent=256"),
     TestCase("on-failure later=1"), TestCase("on-failure prevent=SIGNOPE"), TestCase("on-failure 255"), MaxTime(5_000)]
    public void A_line_that_is_not_a_policy_is_refused(string line) => Assert.That(RestartPolicy.Parse(line), Is.Null);

    [Test, MaxTime(5_000)]
    public void The_file_is_read_and_a_bad_one_reported()
    {
        var dir = Directory.CreateTempSubdirectory("init-policy-").FullName;
        try
        {
            var warnings = new List<string>();
            File.WriteAllText(Path.Combine(dir, "restart-policy"), "on-failure prevent=255\n");
            Assert.That(ServicePolicy.Read(dir, warnings.Add).Restart?.ToString(), Is.EqualTo("on-failure prevent=255"));
            File.WriteAllText(Path.Combine(dir, "restart-policy"), "sometimes\n");
            Assert.That(ServicePolicy.Read(dir, warnings.Add).Restart, Is.Null);
            Assert.That(warnings, Is.EqualTo(new[] { "restart-policy: not WHEN [success=LIST] [prevent=LIST] [force=LIST]: \"sometimes\": ignored" }));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
