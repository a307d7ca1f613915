using System.Diagnostics;
using Init.Tests.Support;

namespace Init.Tests.Runsv;

/// <summary>
/// s6's readiness protocol (<c>notification-fd</c>) under our runsv and the engine: ./run writes a
/// newline to that descriptor once ready, the supervisor publishes it in supervise/readiness, and
/// our sv's waits (start -w, restart -w, check) wait for it; runit's sv still reads every service.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class ReadinessTests
{
    private const string ReadyAfter2s = "#!/bin/sh\nsleep 2\necho >&3\nexec sleep 1000\n";

    private static RunResult Sv(string sv, params string[] args) => Run.Command(sv, args);

    private static string Readiness(string service)
    {
        try { return File.ReadAllText(Path.Combine(service, "supervise/readiness")); }
        catch (IOException) { return "(none)"; }
    }

    [TestCase("runsv"), TestCase(Supervised.Engine)]
    [CancelAfter(40_000)]
    public void Sv_start_and_restart_w_wait_until_the_service_says_it_is_ready_and_runits_sv_does_not(string supervisor)
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", ReadyAfter2s);
        string svc = temp["svc"];
        temp.Write("svc/notification-fd", "3\n");
        temp.Write("svc/down", "");
        using var supervised = new Supervised(svc, supervisor == "runsv" ? null : supervisor);
        Assert.That(Run.Until(() => supervised.TryStatus(out _), 10_000), Is.True);

        var clock = Stopwatch.StartNew();
        var started = Sv(Binary.Applet("sv"), "-w", "10", "start", svc);
        long startMs = clock.ElapsedMilliseconds;

        Assert.That(started.ExitCode, Is.Zero, started.ToString());
        Assert.That(started.Stdout, Does.Match($@"^ok: run: {svc}: \(pid \d+\) \d+s, normally down\n$"));
        Assert.That(startMs, Is.GreaterThanOrEqualTo(1_800), "returned before ./run wrote its newline");
        int pid = supervised.Status().Pid;
        Assert.That(Readiness(svc), Is.EqualTo($"ready {pid}\n"));

        // runit's sv knows nothing of readiness: its restart -w is done as soon as the new ./run runs.
        InALaterSecond();
        clock.Restart();
        var theirs = Sv(Supervised.RunitSv, "-w", "10", "restart", svc);
        long theirsMs = clock.ElapsedMilliseconds;
        Assert.That(theirs.Stdout, Does.StartWith($"ok: run: {svc}: (pid "), theirs.ToString());
        Assert.That(theirsMs, Is.LessThan(1_800), "runit's sv waits only for run");
        Assert.That(Readiness(svc), Does.StartWith("starting "), "the new ./run has not said it is ready yet");

        InALaterSecond();
        clock.Restart();
        var ours = Sv(Binary.Applet("sv"), "-w", "10", "restart", svc);
        Assert.That(ours.Stdout, Does.StartWith($"ok: run: {svc}: (pid "), ours.ToString());
        Assert.That(clock.ElapsedMilliseconds, Is.GreaterThanOrEqualTo(1_800), "our restart -w waits for the new ./run's readiness");
        Assert.That(Readiness(svc), Is.EqualTo($"ready {supervised.Status().Pid}\n"));
        Reliability.Record("lifecycle", $"readiness through notification-fd, ./run ready after 2 s ({supervisor})", 2,
            $"sv start -w returned after {startMs} ms with ok: run; restart -w waits again", peer: $"runit's sv restart -w: {theirsMs} ms (run, not ready)");
    }

    [TestCase("runsv"), TestCase(Supervised.Engine)]
    [CancelAfter(30_000)]
    public void A_service_that_never_says_it_is_ready_times_out_instead_of_looking_up(string supervisor)
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "#!/bin/sh\nexec sleep 1000\n");
        temp.Write("svc/notification-fd", "3\n");
        temp.Write("svc/down", "");
        string svc = temp["svc"];
        using var supervised = new Supervised(svc, supervisor == "runsv" ? null : supervisor);
        Assert.That(Run.Until(() => supervised.TryStatus(out _), 10_000), Is.True);

        var r = Sv(Binary.Applet("sv"), "-w", "2", "start", svc);

        Assert.That(r.ExitCode, Is.EqualTo(1), r.ToString());
        Assert.That(r.Stdout, Does.Match($@"^timeout: run: {svc}: \(pid \d+\) \d+s, normally down\n$"));
        Assert.That(Readiness(svc), Is.EqualTo($"starting {supervised.Status().Pid}\n"));
        Assert.That(Sv(Supervised.RunitSv, "status", svc).Stdout, Does.StartWith($"run: {svc}: (pid "), "runit's sv reads it as any service");
    }

    [TestCase("abc"), TestCase("1"), TestCase(""), TestCase("99999")]
    [CancelAfter(30_000)]
    public void A_bad_notification_fd_is_reported_and_the_service_runs_without_readiness(string content)
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "#!/bin/sh\nexec sleep 1000\n");
        temp.Write("svc/notification-fd", content);
        string svc = temp["svc"];
        using var supervised = new Supervised(svc);
        supervised.WaitRunning();

        var r = Sv(Binary.Applet("sv"), "-w", "5", "start", svc);

        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        Assert.That(Run.Until(() => File.ReadAllText(temp["svc.runsv.err"]).Contains(
            $"runsv {svc}: warning: notification-fd: not a descriptor number from 3 to 1023: \"{content}\": ignored"), 5_000), Is.True, File.ReadAllText(temp["svc.runsv.err"]));
        Assert.That(File.Exists(temp["svc/supervise/readiness"]), Is.False, "no readiness to publish");
    }

    [Test, CancelAfter(30_000)]
    public void A_service_without_notification_fd_gets_no_readiness_file()
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "#!/bin/sh\nexec sleep 1000\n");
        using var supervised = new Supervised(temp["svc"]);
        supervised.WaitRunning();

        Assert.That(SuperviseListing.Files(temp["svc/supervise"]),
            Is.EqualTo(new[] { "control", "identity", "lock", "ok", "pid", "stat", "status" }), "runit's files and the identity adoption needs");
    }

    /// <summary>Perl (in Debian's perl-base) as an sd_notify client: sends $ARGV[0] to NOTIFY_SOCKET (or to $ARGV[1]).</summary>
    private const string Notify = """
        use Socket;
        my $name = $ARGV[1] // $ENV{NOTIFY_SOCKET};
        $name =~ s/^@/\0/;
        socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!";
        send($s, $ARGV[0], 0, pack_sockaddr_un($name)) or die "send: $!";
        """;

    [TestCase("runsv"), TestCase(Supervised.Engine)]
    [CancelAfter(40_000)]
    public void Sd_notify_READY_and_STATUS_are_heard_from_the_service_and_not_from_a_stranger(string supervisor)
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp["notify.pl"], Notify);
        temp.Script("svc/run", $"#!/bin/sh\nwhile [ ! -e {temp["go"]} ]; do sleep 0.05; done\n/usr/bin/perl -e 'do \"{temp["notify.pl"]}\"; sleep 5' \"STATUS=warming up\" &\nexec /usr/bin/perl -e 'do \"{temp["notify.pl"]}\"; sleep 1000' READY=1\n");
        temp.Write("svc/notify-socket", "");
        string svc = temp["svc"];
        using var supervised = new Supervised(svc, supervisor == "runsv" ? null : supervisor);
        int pid = supervised.WaitRunning().Pid;
        Assert.That(Run.Until(() => Readiness(svc) == $"starting {pid}\n", 5_000), Is.True, Readiness(svc));
        string socket = File.ReadAllText($"/proc/{pid}/environ").Split('\0').Single(e => e.StartsWith("NOTIFY_SOCKET=@init/notify/"))["NOTIFY_SOCKET=".Length..];

        // A stranger (this test's own perl, not a descendant of ./run) says READY=1: not heard.
        var stranger = Run.Command("/usr/bin/perl", "-e", Notify, "READY=1", socket);
        Assert.That(stranger.ExitCode, Is.Zero, stranger.ToString());
        string err = temp[supervisor == "runsv" ? "svc.runsv.err" : "svc.engine.err"];
        Assert.That(Run.Until(() => File.ReadAllText(err).Contains("notify-socket: a message from pid ") && File.ReadAllText(err).Contains(", not the service's: ignored"), 5_000),
            Is.True, File.ReadAllText(err));
        Assert.That(Readiness(svc), Is.EqualTo($"starting {pid}\n"));

        // The service's own: a child of ./run says STATUS= (and lives on a while: a sender that is gone
        // before its datagram is read cannot be told from a stranger), then ./run itself READY=1.
        File.WriteAllText(temp["go"], "");
        var started = Sv(Binary.Applet("sv"), "-w", "10", "start", svc);

        Assert.That(started.Stdout, Does.StartWith($"ok: run: {svc}: (pid {pid}) "), started.ToString());
        Assert.That(Readiness(svc), Is.EqualTo($"ready {pid}\nstatus warming up\n"));
        Assert.That(Sv(Supervised.RunitSv, "status", svc).Stdout, Does.StartWith($"run: {svc}: (pid {pid}) "));
        Reliability.Record("attack", $"sd_notify READY=1 sent to a service's NOTIFY_SOCKET by another process ({supervisor})", 1, "ignored with a warning naming the sender; the service's own READY=1 and STATUS= heard");
    }

    /// <summary>Perl as a hostile client of the service's own socket: each argument a datagram, raw bytes given in hex.</summary>
    private const string NotifyHex = """
        use Socket;
        my $name = $ENV{NOTIFY_SOCKET};
        $name =~ s/^@/\0/;
        socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die "socket: $!";
        for my $h (@ARGV) { defined(send($s, pack("H*", $h), 0, pack_sockaddr_un($name))) or die "send: $!"; }
        """;

    [TestCase("runsv"), TestCase(Supervised.Engine)]
    [CancelAfter(40_000)]
    [Category("Reliability")]
    public void Malformed_sd_notify_datagrams_from_the_service_itself_change_nothing_and_READY_still_counts(string supervisor)
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp["notify.pl"], NotifyHex);
        static string Hex(string text) => Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(text));
        string[] garbage =
        [
            "", "00", "ff fe fd".Replace(" ", ""), Hex("READY=0"), Hex("READY"), Hex("READY=1x"), Hex("ready=1"), Hex("WATCHDOG=1"),
            Hex("EXTEND_TIMEOUT_USEC=-5"), Hex("EXTEND_TIMEOUT_USEC=99999999999999999999999"), Hex("STATUS=" + new string('x', 3000)),
            Hex("STATUS=bell\a and escape\x1b[31m") + "0a00" + Hex("STATUS=after a NUL"), "c328" /* invalid UTF-8 */, Hex("=\n=\n\n"),
            Hex(new string('\n', 4000)),
        ];
        // The sender stays a while: one gone before its datagrams are read is a stranger, whose are never parsed.
        temp.Script("svc/run", $"#!/bin/sh\n/usr/bin/perl -e 'do \"{temp["notify.pl"]}\"; sleep 2' {string.Join(' ', garbage.Select(g => g.Length == 0 ? "''" : g))}\n"
            + $"touch {temp["sent"]}\nwhile [ ! -e {temp["go"]} ]; do sleep 0.05; done\nexec /usr/bin/perl -e 'do \"{temp["notify.pl"]}\"; sleep 1000' {Hex("READY=1\nSTATUS=fine")}\n");
        temp.Write("svc/notify-socket", "");
        string svc = temp["svc"];
        using var supervised = new Supervised(svc, supervisor == "runsv" ? null : supervisor);
        int pid = supervised.WaitRunning().Pid;
        Assert.That(Run.Until(() => File.Exists(temp["sent"]), 10_000), Is.True);
        Run.Never(() => Readiness(svc).StartsWith("ready"), TimeSpan.FromSeconds(1), "garbage making the service ready");
        Assert.That(supervised.HasSupervisor, Is.True, "the supervisor survived");
        string err = temp[supervisor == "runsv" ? "svc.runsv.err" : "svc.engine.err"];
        Assert.That(File.ReadAllText(err), Does.Not.Contain("not the service's"), "heard as the service's own, so parsed");
        Assert.That(File.ReadAllText(err), Does.Contain("EXTEND_TIMEOUT_USEC not a number of microseconds"), "the bad number named");
        Assert.That(Readiness(svc), Does.StartWith($"starting {pid}\n"));
        string status = Readiness(svc).Split('\n').FirstOrDefault(l => l.StartsWith("status ")) ?? "";
        Assert.That(status.Length, Is.LessThanOrEqualTo(7 + 200), "a STATUS= text is cut to 200 characters");
        Assert.That(status.Any(char.IsControl), Is.False, "control characters never reach the file");

        File.WriteAllText(temp["go"], "");

        Assert.That(Run.Until(() => Readiness(svc).StartsWith($"ready {supervised.Status().Pid}\nstatus fine\n"), 10_000), Is.True, Readiness(svc));
        Reliability.Record("bad input", $"{garbage.Length} malformed sd_notify datagrams from the service itself ({supervisor})", garbage.Length,
            "none made it ready or crashed the supervisor; STATUS= cut to 200 printable characters; the READY=1 after them heard");
    }

    /// <summary>sv -w restart compares status times with its own start in whole seconds: wait out the current one.</summary>
    private static void InALaterSecond()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        Assert.That(Run.Until(() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() > now, 2_000), Is.True);
    }
}
