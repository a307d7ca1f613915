using Init.Tests.Support;

namespace Init.Tests.Runsv;

/// <summary>
/// Init's restart-limit (the failed state) and s6-rc's oneshots, under our runsv and the engine,
/// with runit's sv reading the same services.
/// </summary>
public class LifecycleTests
{
    private const string Ours = "ours";

    private static string Runsv(string which) => which == Ours ? Binary.Applet("runsv") : which;

    private static int Starts(TempDirectory temp) => File.Exists(temp["starts"]) ? File.ReadAllLines(temp["starts"]).Length : 0;

    [TestCase(Ours), TestCase(Supervised.Engine), CancelAfter(40_000)]
    public void A_restart_limit_makes_a_crash_loop_failed_until_sv_up(string runsv)
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "date +%s.%N >>../starts\nexit 3\n");
        temp.Write("svc/restart-limit", "3 60000\n");
        using var supervised = new Supervised(temp["svc"], Runsv(runsv));
        string restart = Path.Combine(supervised.Supervise(), "restart");

        Assert.That(Run.Until(() => File.Exists(restart) && File.ReadAllText(restart).Contains("failed 1\n"), 15_000), Is.True, "never failed");
        Assert.That(File.ReadAllText(restart), Does.Contain("deaths 3\n"));
        Run.Never(() => Starts(temp) > 3, TimeSpan.FromSeconds(2.5), "a failed service starting again");
        Assert.That(Run.Command(Binary.Applet("sv"), "status", temp["svc"]).Stdout, Does.Match($@"^down: {temp["svc"]}: \d+s, normally up, failed\n$"));
        Assert.That(Run.Command(Supervised.RunitSv, "status", temp["svc"]).Stdout, Does.Match($@"^down: {temp["svc"]}: \d+s, normally up\n$"),
            "runit's sv: down, wanted down");

        Run.Command(Binary.Applet("sv"), "up", temp["svc"]);

        Assert.That(Run.Until(() => Starts(temp) >= 4, 5_000), Is.True, "sv up starts it again");
        Assert.That(Run.Until(() => File.ReadAllText(restart).Contains("failed 0\n"), 5_000), Is.True, File.ReadAllText(restart));
        Reliability.Record("lifecycle", $"a crash loop with restart-limit 3 60000 ({runsv})", 1, "failed after 3 starts, no start for 2.5 s after, `sv status` says failed; `sv up` starts it again");
    }

    /// <summary>
    /// setup is a oneshot whose up takes a second to make a file and whose down notes that it ran;
    /// app needs setup and notes, at its start, whether the file was there.
    /// </summary>
    private static void OneshotAndDependant(TempDirectory temp)
    {
        temp.Write("service/setup/type", "oneshot\n");
        temp.Script("service/setup/up", "#!/bin/sh\nsleep 1\ntouch ../../made\n");
        temp.Script("service/setup/down", "#!/bin/sh\ntouch ../../downed\n");
        temp.Script("service/app/run", "#!/bin/sh\n[ -e ../../made ] && echo made >> ../../app-saw || echo missing >> ../../app-saw\nexec sleep 1000\n");
        temp.Write("service/app/dependencies.d/setup", "");
    }

    [TestCase("engine"), TestCase("process"), CancelAfter(60_000)]
    public void A_oneshot_runs_up_once_a_dependant_starts_after_it_and_down_runs_on_stop(string mode)
    {
        using var temp = new TempDirectory();
        OneshotAndDependant(temp);
        var runsvdir = Run.Background(Binary.Applet("runsvdir"), [temp["service"]], temp.Path, temp.Path, "runsvdir",
            new Dictionary<string, string?> { ["INIT_SUPERVISION"] = mode });
        try
        {
            Assert.That(Run.Until(() => File.Exists(temp["app-saw"]), 15_000), Is.True, File.ReadAllText(temp["runsvdir.err"]));
            Assert.That(File.ReadAllText(temp["app-saw"]), Is.EqualTo("made\n"), "app started only once setup's up had succeeded");

            string setup = temp["service/setup"];
            Assert.That(Run.Command(Binary.Applet("sv"), "-w", "5", "check", setup).Stdout, Does.StartWith($"ok: run: {setup}: (pid 0) "));
            Assert.That(Run.Command(Supervised.RunitSv, "status", setup).Stdout, Does.Match($@"^run: {setup}: \(pid 0\) \d+s, want up\n$"),
                "runit's sv reads an up oneshot: state run, no process (and takes the down script for its normally-down mark)");
            Assert.That(File.ReadAllText(temp["service/setup/supervise/readiness"]), Is.EqualTo("ready 0\n"));
            Run.Never(() => File.ReadAllLines(temp["app-saw"]).Length > 1, TimeSpan.FromSeconds(1.5), "app restarting");

            var down = Run.Command(Binary.Applet("sv"), "-w", "10", "down", setup);

            Assert.That(down.Stdout, Does.StartWith($"ok: down: {setup}: "));
            Assert.That(File.Exists(temp["downed"]), Is.True, "down ran on stop");
            Reliability.Record("lifecycle", $"a oneshot (up 1 s) and a longrun that needs it ({mode})", 1, "the longrun started after up succeeded; down ran on `sv down`");
        }
        finally { Runsvdir.RunsvdirTests.Stop(runsvdir); }
    }

    [Test, CancelAfter(30_000)]
    public void A_oneshot_whose_up_is_neither_executable_nor_readable_by_execlineb_is_reported()
    {
        using var temp = new TempDirectory();
        temp.Write("svc/type", "oneshot\n");
        temp.Write("svc/up", "foreground { touch made }\n");
        using var supervised = new Supervised(temp["svc"], environment: new Dictionary<string, string?> { ["PATH"] = "/nonexistent" });

        string err = temp["svc.runsv.err"];
        string expected = $"runsv {temp["svc"]}: warning: up: not executable, and no execlineb in PATH to read it as s6-rc does\n";
        Assert.That(Run.Until(() => File.ReadAllText(err).Contains(expected), 5000), Is.True, File.ReadAllText(err));
        Assert.That(supervised.HasSupervisor, Is.True, "the supervisor goes on");
    }

    /// <summary>Perl (Debian's perl-base) as an sd_notify client: sends each argument, one datagram each, half a second apart.</summary>
    private const string Notify = """
        use Socket;
        my $name = $ENV{NOTIFY_SOCKET};
        $name =~ s/^@/\0/;
        socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!";
        for my $m (@ARGV) { send($s, $m, 0, pack_sockaddr_un($name)) or die "send: $!"; select(undef, undef, undef, 0.5); }
        """;

    [TestCase(Ours), TestCase(Supervised.Engine), CancelAfter(40_000)]
    public void A_service_that_stops_sending_WATCHDOG_is_aborted_and_started_again(string runsv)
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp["notify.pl"], Notify);
        // Ready, three pings half a second apart, then silence (a hung main loop).
        temp.Script("svc/run", $"#!/bin/sh\necho \"$WATCHDOG_USEC\" >> ../starts\nexec /usr/bin/perl -e 'do \"{temp["notify.pl"]}\"; sleep 1000' READY=1 WATCHDOG=1 WATCHDOG=1 WATCHDOG=1\n");
        temp.Write("svc/notify-socket", "");
        temp.Write("svc/watchdog-timeout", "1500\n");
        using var supervised = new Supervised(temp["svc"], Runsv(runsv));

        string err = runsv == Ours ? temp["svc.runsv.err"] : temp["svc.engine.err"];
        Assert.That(Run.Until(() => Starts(temp) >= 2, 20_000), Is.True, File.ReadAllText(err));
        Assert.That(File.ReadAllLines(temp["starts"])[0], Is.EqualTo("1500000"), "WATCHDOG_USEC as systemd sets it");
        Assert.That(File.ReadAllText(err), Does.Contain("warning: no WATCHDOG=1 for 1500 ms (watchdog-timeout): aborting it"));
        Reliability.Record("lifecycle", $"an sd_notify service that stops sending WATCHDOG=1, watchdog-timeout 1500 ({runsv})", 1, "reported, aborted (ABRT) and started again");
    }

    [TestCase(Ours), TestCase(Supervised.Engine), CancelAfter(40_000)]
    public void A_service_never_ready_within_timeout_up_is_reported_and_started_again(string runsv)
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "#!/bin/sh\ndate +%s.%N >> ../starts\nexec sleep 1000\n");
        temp.Write("svc/notification-fd", "3\n");
        temp.Write("svc/timeout-up", "1500\n");
        using var supervised = new Supervised(temp["svc"], Runsv(runsv));

        string err = runsv == Ours ? temp["svc.runsv.err"] : temp["svc.engine.err"];
        Assert.That(Run.Until(() => Starts(temp) >= 2, 20_000), Is.True, File.ReadAllText(err));
        Assert.That(File.ReadAllText(err), Does.Contain("warning: not ready 1500 ms after its start (timeout-up): stopping it"));
        Assert.That(Run.Command(Binary.Applet("sv"), "-w", "1", "start", temp["svc"]).Stdout, Does.StartWith("timeout: run: "), "sv start -w: never ready, never ok");
    }

    [TestCase(Ours), CancelAfter(40_000)]
    public void Extend_timeout_usec_gives_a_slow_stop_more_time_than_timeout_kill(string runsv)
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp["notify.pl"], Notify);
        // On TERM: asks for 4 s more, takes 2 s to finish, exits 0; timeout-kill alone would KILL it after 1 s.
        File.WriteAllText(temp["stop.sh"], $"/usr/bin/perl -e 'do \"{temp["notify.pl"]}\"' EXTEND_TIMEOUT_USEC=4000000\nsleep 2\necho clean > {temp["ended"]}\n");
        temp.Script("svc/run", $"#!/bin/sh\ntrap '. {temp["stop.sh"]}; exit 0' TERM\ntouch ../trapped\nwhile :; do sleep 0.1; done\n");
        temp.Write("svc/notify-socket", "");
        temp.Write("svc/timeout-kill", "1000\n");
        using var supervised = new Supervised(temp["svc"], Runsv(runsv));
        supervised.WaitRunning();
        Assert.That(Run.Until(() => File.Exists(temp["trapped"]), 5000), Is.True, "./run never set its trap");

        Assert.That(Run.Command(Binary.Applet("sv"), "-w", "10", "down", temp["svc"]).Stdout, Does.StartWith("ok: down: "));
        Assert.That(File.Exists(temp["ended"]), Is.True, "it finished its own stop instead of being killed after 1 s");
    }

    [TestCase(Ours), TestCase(Supervised.Engine), CancelAfter(60_000)]
    public void A_log_directory_made_while_the_service_runs_gets_its_logger_without_a_restart(string runsv)
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "#!/bin/sh\necho \"started $$\"\nexec sleep 1000\n");
        using var supervised = new Supervised(temp["svc"], Runsv(runsv));
        int pid = supervised.WaitRunning().Pid;

        temp.Script("svc/log/run", $"#!/bin/sh\nexec cat >> {temp["logged"]}\n");

        supervised.WaitRunning(timeoutMs: 15_000, log: true);
        Assert.That(supervised.Status().Pid, Is.EqualTo(pid), "the service was not restarted");
        Assert.That(Run.Command(Supervised.RunitSv, "status", temp["svc"]).Stdout, Does.Match($@"^run: {temp["svc"]}: \(pid {pid}\) \d+s; run: log: \(pid \d+\) \d+s\n$"),
            "runit's sv sees both");

        Run.Command(Binary.Applet("sv"), "restart", temp["svc"]);

        Assert.That(Run.Until(() => File.Exists(temp["logged"]) && File.ReadAllText(temp["logged"]).StartsWith("started "), 10_000), Is.True,
            "from its next start the service's output goes to the logger");
    }
}
