using System.Globalization;
using Init.Runtime;
using Init.Supervision;
using Init.Tests.Support;

namespace Init.Tests.Runsv;

/// <summary>
/// s6's down-signal, timeout-kill, timeout-finish and Init's restart-backoff, under our runsv and
/// the engine; runit's runsv beside them on the same directories shows what a runit user keeps.
/// Times come from the service (it writes when it got a signal or started) and from supervise/status.
/// </summary>
public class StoppingTests
{
    private const string Ours = "ours";

    private static string Runsv(string which) => which == Ours ? Binary.Applet("runsv") : which;

    /// <summary>Ignores TERM, noting when it came; only KILL ends it.</summary>
    /// <summary>Ignores TERM once it says so in ../trapped: a TERM sent before the trap is set would end the shell.</summary>
    private const string IgnoresTerm = "trap 'date +%s.%N >../term' TERM\n: >../trapped\nwhile :; do sleep 0.1; done\n";

    /// <summary>The service is up and its trap set (<see cref="IgnoresTerm"/>).</summary>
    private static int WaitTrapping(Supervised supervised, TempDirectory temp)
    {
        int pid = supervised.WaitRunning().Pid;
        Assert.That(Run.Until(() => File.Exists(temp["trapped"]), 10_000), Is.True, "./run never set its trap");
        return pid;
    }

    private static double Seconds(Tai64N t) => t.UnixSeconds + t.Nanoseconds / 1e9;
    private static double ReadTime(string file) => double.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture);

    [TestCase(Ours), TestCase(Supervised.Engine), CancelAfter(30_000)]
    public void A_TERM_ignoring_service_with_timeout_kill_is_down_about_that_long_after_sv_down(string runsv)
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", IgnoresTerm);
        temp.Write("svc/timeout-kill", "2000\n");
        using var supervised = new Supervised(temp["svc"], Runsv(runsv));
        WaitTrapping(supervised, temp);

        supervised.Control("d");

        StatusRecord down = default;
        Assert.That(Run.Until(() => supervised.TryStatus(out down) && down.State == RunState.Down, 10_000), Is.True, "never went down");
        Assert.That(Run.Until(() => File.Exists(temp["term"]), 2000), Is.True, "the service got no TERM");
        double took = Seconds(down.Since) - ReadTime(temp["term"]);
        Assert.That(took, Is.InRange(1.5, 5.0), "KILLed timeout-kill after the TERM");
    }

    /// <summary>
    /// A 'd' that reaches a service after its 'x' (a dependency stopping first sends one during
    /// <c>sv exit a b</c>) keeps the exit: the service goes down and its supervisor still ends.
    /// runit's runsv turns the exit into a down and stays for good; ours deliberately does not.
    /// </summary>
    [TestCase(Ours), TestCase(Supervised.Engine), TestCase(Supervised.RunitRunsv), CancelAfter(30_000)]
    public void A_d_after_x_keeps_the_exit_where_runits_runsv_stays_down(string runsv)
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "exec sleep 1000\n");
        using var supervised = new Supervised(temp["svc"], Runsv(runsv));
        int pid = supervised.WaitRunning().Pid;

        supervised.Control("xd");

        Assert.That(Run.Until(() => !Directory.Exists($"/proc/{pid}"), 5000), Is.True, "the service was not stopped");
        if (runsv == Supervised.RunitRunsv)
        {
            Run.Never(() => supervised.Exited, TimeSpan.FromSeconds(2), "runit's runsv exited");
            Assert.That(supervised.Status().State, Is.EqualTo(RunState.Down), "runit's runsv: the d made it a down");
        }
        // The engine's next scan may start a new supervisor of the directory at once: that one runs the service anew.
        else Assert.That(Run.Until(() => supervised.Exited || (supervised.TryStatus(out var again) && again.Pid is not 0 && again.Pid != pid), 5000), Is.True,
            "the supervisor stayed: the d turned its exit into a down");
    }

    [TestCase(Ours), TestCase(Supervised.Engine), CancelAfter(30_000)]
    public void The_global_TimeoutKillMs_setting_kills_a_TERM_ignoring_service_without_the_file(string runsv)
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", IgnoresTerm);
        using var supervised = new Supervised(temp["svc"], Runsv(runsv), environment: new Dictionary<string, string?> { ["INIT_TIMEOUTKILLMS"] = "2000" });
        WaitTrapping(supervised, temp);

        supervised.Control("d");

        StatusRecord down = default;
        Assert.That(Run.Until(() => supervised.TryStatus(out down) && down.State == RunState.Down, 10_000), Is.True, "never went down");
        Assert.That(Run.Until(() => File.Exists(temp["term"]), 2000), Is.True, "the service got no TERM");
        Assert.That(Seconds(down.Since) - ReadTime(temp["term"]), Is.InRange(1.5, 5.0), "KILLed the global timeout after the TERM");
    }

    [TestCase(Ours), TestCase(Supervised.Engine), TestCase(Supervised.RunitRunsv), CancelAfter(30_000)]
    public void Without_timeout_kill_a_TERM_ignoring_service_is_still_up_3s_after_sv_down_as_under_runit(string runsv)
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", IgnoresTerm);
        using var supervised = new Supervised(temp["svc"], Runsv(runsv));
        int pid = WaitTrapping(supervised, temp);

        supervised.Control("d");

        Assert.That(Run.Until(() => File.Exists(temp["term"]), 5000), Is.True, "the service got no TERM");
        Run.Never(() => !supervised.TryStatus(out var r) || r.State != RunState.Run || r.Pid != pid, TimeSpan.FromSeconds(3), "the service went down");
    }

    [TestCase(Ours), TestCase(Supervised.Engine), CancelAfter(30_000)]
    public void A_hanging_finish_is_killed_after_timeout_finish(string runsv)
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "exec sleep 1000\n");
        temp.Script("svc/finish", "date +%s.%N >../finish\nexec sleep 1000\n");
        temp.Write("svc/timeout-finish", "2000\n");
        using var supervised = new Supervised(temp["svc"], Runsv(runsv));
        supervised.WaitRunning();

        supervised.Control("d");

        Assert.That(Run.Until(() => File.Exists(temp["finish"]) && File.ReadAllText(temp["finish"]).EndsWith('\n'), 5000), Is.True, "./finish never started");
        StatusRecord down = default;
        Assert.That(Run.Until(() => supervised.TryStatus(out down) && down.State == RunState.Down, 10_000), Is.True, "./finish was not killed");
        Assert.That(Seconds(down.Since) - ReadTime(temp["finish"]), Is.InRange(1.5, 5.0));
    }

    [TestCase(Ours), TestCase(Supervised.Engine), CancelAfter(30_000)]
    public void A_down_signal_HUP_stops_a_service_that_only_exits_on_HUP(string runsv)
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "trap 'exit 0' HUP\ntrap '' TERM\nwhile :; do sleep 0.1; done\n");
        temp.Write("svc/down-signal", "SIGHUP\n");
        using var supervised = new Supervised(temp["svc"], Runsv(runsv));
        supervised.WaitRunning();

        supervised.Control("d");

        Assert.That(Run.Until(() => supervised.TryStatus(out var r) && r.State == RunState.Down, 5000), Is.True, "HUP did not stop it");
    }

    /// <summary>The gaps between the first <paramref name="count"/> starts of a service that exits at once (as it noted them).</summary>
    private static double[] StartGaps(TempDirectory temp, int count, int timeoutMs)
    {
        Assert.That(Run.Until(() => File.Exists(temp["starts"]) && File.ReadAllLines(temp["starts"]).Length >= count, timeoutMs), Is.True, $"fewer than {count} starts");
        var starts = File.ReadAllLines(temp["starts"]).Take(count).Select(l => double.Parse(l, CultureInfo.InvariantCulture)).ToArray();
        return starts.Zip(starts.Skip(1), (a, b) => b - a).ToArray();
    }

    [TestCase(Ours), TestCase(Supervised.Engine), CancelAfter(40_000)]
    public void With_restart_backoff_a_crash_loop_waits_1_2_4_seconds_and_shows_it_in_supervise_restart(string runsv)
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "date +%s.%N >>../starts\nexit 1\n");
        temp.Write("svc/restart-backoff", "1000 60000 60000\n");
        using var supervised = new Supervised(temp["svc"], Runsv(runsv));

        var gaps = StartGaps(temp, 4, 20_000);

        Assert.That(gaps[0], Is.InRange(0.8, 2.0));
        Assert.That(gaps[1], Is.InRange(1.8, 3.0));
        Assert.That(gaps[2], Is.InRange(3.8, 5.0));
        Assert.That(Run.Until(() => File.ReadAllText(Path.Combine(supervised.Supervise(), "restart")).Contains("delay_ms 8000\n"), 5000), Is.True,
            "supervise/restart shows the next delay");
        var fields = File.ReadAllLines(Path.Combine(supervised.Supervise(), "restart"));
        Assert.That(fields[0], Is.EqualTo("delay_ms 8000"));
        Assert.That(fields[1], Does.StartWith("next_start "));
        Assert.That(fields[2], Does.StartWith("restarts ").And.Not.EqualTo("restarts 0"));
        // restart is written just before status (so whoever sees down there finds the last exit here): wait for status too.
        Assert.That(Run.Until(() => Run.Command(Supervised.RunitSv, "status", temp["svc"]).Stdout.StartsWith($"down: {temp["svc"]}: "), 5000), Is.True,
            "runit's sv reads it");
    }

    [TestCase(Supervised.RunitRunsv, true), TestCase(Ours, false), TestCase(Supervised.Engine, false), CancelAfter(30_000)]
    public void Without_a_backoff_a_crash_loop_restarts_every_second_as_runits_runsv_does_even_with_the_file(string runsv, bool file)
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "date +%s.%N >>../starts\nexit 1\n");
        if (file) temp.Write("svc/restart-backoff", "1000 60000 60000\n");
        using var supervised = new Supervised(temp["svc"], Runsv(runsv));

        Assert.That(StartGaps(temp, 5, 15_000), Has.All.InRange(0.7, 2.0));
        if (runsv == Supervised.RunitRunsv) { Assert.That(RestartState.Read(supervised.Supervise()), Is.Null, "runit's runsv writes no Init file"); return; }
        // Ours: Init's restart file counts the restarts and names the last exit, and shows no delay.
        // The fifth ./run may have written its start before the supervisor wrote the file for it: wait for that.
        RestartState? restart = null;
        Assert.That(Run.Until(() => (restart = RestartState.Read(supervised.Supervise())) is { Restarts: >= 4 }, 5000), Is.True,
            $"the restart file counts the 4 restarts: {restart?.Restarts}");
        Assert.That((restart!.DelayMs, restart.LastExit, restart.Deaths), Is.EqualTo((0L, "exit 1", (int?)null)));
    }

    [TestCase(Ours, null, true), TestCase(Supervised.Engine, null, true), TestCase(Ours, "off\n", false), CancelAfter(30_000)]
    public void The_global_setting_turns_the_backoff_on_and_a_services_file_off_opts_out(string runsv, string? file, bool backoff)
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "date +%s.%N >>../starts\nexit 1\n");
        if (file is not null) temp.Write("svc/restart-backoff", file);
        using var supervised = new Supervised(temp["svc"], Runsv(runsv),
            environment: new Dictionary<string, string?> { ["INIT_RESTARTBACKOFF"] = "1000 60000 60000" });

        var gaps = StartGaps(temp, 4, 20_000);

        if (backoff) Assert.That(gaps[2], Is.InRange(3.8, 5.0), "1, 2, 4 s");
        else Assert.That(gaps, Has.All.InRange(0.7, 2.0), "one a second, as runit");
    }

    [TestCase(Ours), TestCase(Supervised.Engine), CancelAfter(30_000)]
    public void Runits_sv_reads_a_service_with_every_new_file(string runsv)
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "exec sleep 1000\n");
        temp.Write("svc/down-signal", "HUP\n");
        temp.Write("svc/timeout-kill", "2000\n");
        temp.Write("svc/timeout-finish", "2000\n");
        temp.Write("svc/restart-backoff", "\n");
        using var supervised = new Supervised(temp["svc"], Runsv(runsv));
        int pid = supervised.WaitRunning().Pid;

        Assert.That(Run.Command(Supervised.RunitSv, "status", temp["svc"]).Stdout, Does.StartWith($"run: {temp["svc"]}: (pid {pid}) "));
        Assert.That(Run.Command(Supervised.RunitSv, "-w", "5", "down", temp["svc"]).Stdout, Does.StartWith($"ok: down: {temp["svc"]}: "));
    }

    [TestCase("timeout-kill", "abc", "timeout-kill: not a number of milliseconds: \"abc\": ignored"),
     TestCase("timeout-kill", "-5", "timeout-kill: not a number of milliseconds: \"-5\": ignored"),
     TestCase("down-signal", "NOPE", "down-signal: not a signal name: \"NOPE\": ignored"),
     TestCase("timeout-finish", "", "timeout-finish: not a number of milliseconds: \"\": ignored"),
     CancelAfter(30_000)]
    public void An_invalid_file_is_named_in_a_warning_and_ignored(string file, string content, string warning)
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "exec sleep 1000\n");
        temp.Write("svc/" + file, content);
        using var supervised = new Supervised(temp["svc"]);
        supervised.WaitRunning();

        string err = temp["svc.runsv.err"];
        string expected = $"runsv {temp["svc"]}: warning: {warning}\n";
        Assert.That(Run.Until(() => File.ReadAllText(err).Contains(expected), 5000), Is.True, $"no warning {expected}");
        Assert.That(File.ReadAllText(err).Split(expected).Length - 1, Is.EqualTo(1), "warned once");
    }
}
