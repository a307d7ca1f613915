using Init.Tests.Support;

namespace Init.Tests.Sv;

/// <summary>
/// Our sv and runit's sv, each against runit's runsv in the same state: same output (pids and ages
/// normalised) and the same exit code, for every command in every state that both versions of
/// runit agree on (where 2.1.2 and 2.3.0 differ, see <see cref="SvRunit23Tests"/>).
/// </summary>
[Parallelizable(ParallelScope.None)]
public class SvDifferentialTests
{
    // Up front: a skip thrown inside the Task.Runs below would arrive as an AggregateException, a failure.
    [OneTimeSetUp]
    public void NeedsRunit()
    {
        Requires.Installed(Supervised.RunitRunsv);
        Requires.Installed(Supervised.RunitSv);
    }

    private static readonly string[] Instant =
        ["status", "up", "down", "once", "pause", "cont", "hup", "alarm", "interrupt", "quit", "1", "2", "term", "kill", "exit"];

    private static readonly string[] InstantStates = ["up-with-log", "down", "no-runsv", "runsv-gone", "missing"];

    private static readonly string[] Waiting =
    [
        "-w 2 start", "-w 2 stop", "-w 2 reload", "-w 2 restart", "-w 2 shutdown", "-w 2 force-stop", "-w 2 force-reload",
        "-w 2 force-restart", "-w 2 force-shutdown", "-w 2 try-restart", "-w 2 check", "-v up", "-v down", "-v once",
        "-v pause", "-v cont", "-w 2 term", "-v exit",
    ];

    private static readonly string[] WaitingStates = ["up", "down", "check-fails", "runsv-gone"];

    private static IEnumerable<TestCaseData> InstantCases() =>
        // Signals to a running service print nothing without -v; they are compared where they fail.
        (from state in InstantStates from command in Instant
         where state != "up-with-log" || command is "status" or "down" or "up" or "once" or "pause" or "cont" or "exit"
         select (command, state))
        .Concat([("status", "paused"), ("-v cont", "paused"), ("-v pause", "paused"), ("status", "check-fails"), ("s", "up"),
                 ("bogus", "up"), ("", "up"), ("-x status", "up"), ("-w", "up"), ("-V status", "up"), ("status -v", "up")])
        .Select(c => new TestCaseData(c.Item1, c.Item2).SetArgDisplayNames(c.Item1, c.Item2));

    private static IEnumerable<TestCaseData> WaitingCases() =>
        from state in WaitingStates from command in Waiting
        where !(state == "check-fails" && command.StartsWith("-v "))   // a 7 s default wait, tested with -w instead
        select new TestCaseData(command, state).SetArgDisplayNames(command, state);

    [TestCaseSource(nameof(InstantCases)), CancelAfter(30_000)]
    public void A_command_that_does_not_wait_prints_and_exits_as_runits_sv(string command, string state) => Compare(command, state);

    [TestCaseSource(nameof(WaitingCases)), CancelAfter(60_000)]
    public void A_waiting_command_prints_and_exits_as_runits_sv(string command, string state) => Compare(command, state);

    [TestCase("status", "up"), TestCase("status", "down"), TestCase("status", "missing"), TestCase("status", "runsv-gone"),
     TestCase("-w 2 start", "down"), TestCase("-w 2 stop", "up"), TestCase("-w 2 restart", "up"), TestCase("-w 1 start", "check-fails"),
     TestCase("bogus", "up"), TestCase("", "up"), TestCase("-x status", "up")]
    [CancelAfter(60_000)]
    public void Called_through_a_link_named_like_the_service_it_acts_as_runits_lsb_init_script(string command, string state)
    {
        using var temp = new TempDirectory();
        // /etc/init.d/svc -> sv: the service is the link's name, the exit codes are LSB's.
        Directory.CreateDirectory(temp["runit/init.d"]);
        Directory.CreateDirectory(temp["ours/init.d"]);
        File.CreateSymbolicLink(temp["runit/init.d/svc"], Supervised.RunitSv);
        File.CreateSymbolicLink(temp["ours/init.d/svc"], Binary.Applet("sv"));
        var (theirs, ours) = States(temp, state);
        using var _ = theirs;
        using var __ = ours;

        if (Waits(command)) ServiceState.StartInALaterSecond(theirs, ours);
        var (t, o) = Both(() => theirs.Sv(temp["runit/init.d/svc"], command), () => ours.Sv(temp["ours/init.d/svc"], command));

        AssertSame(command, state, t, o);
    }

    [TestCase("start", "1"), TestCase("-w 1 start", "9"), TestCase("start", "x")]
    [CancelAfter(60_000)]
    public void SVWAIT_sets_the_wait_and_w_overrides_it_as_with_runits_sv(string command, string svwait)
    {
        using var temp = new TempDirectory();
        var (theirs, ours) = States(temp, "check-fails");
        using var _ = theirs;
        using var __ = ours;
        ServiceState.StartInALaterSecond(theirs, ours);
        var sw = System.Diagnostics.Stopwatch.StartNew();

        var (t, o) = Both(() => theirs.Sv(Supervised.RunitSv, $"{command} {ServiceState.Name}", svwait: svwait),
                          () => ours.Sv(Binary.Applet("sv"), $"{command} {ServiceState.Name}", svwait: svwait));

        AssertSame(command, $"SVWAIT={svwait}", t, o);
        Assert.That(sw.ElapsedMilliseconds, Is.LessThan(5_000), "a 1 s wait (SVWAIT=x scans as 0) must not take the default 7 s");
    }

    private static void Compare(string command, string state)
    {
        using var temp = new TempDirectory();
        var (theirs, ours) = States(temp, state);
        using var _ = theirs;
        using var __ = ours;
        if (Waits(command)) ServiceState.StartInALaterSecond(theirs, ours);

        var (t, o) = Both(() => theirs.Sv(Supervised.RunitSv, $"{command} {ServiceState.Name}"),
                          () => ours.Sv(Binary.Applet("sv"), $"{command} {ServiceState.Name}"));

        AssertSame(command, state, t, o);
    }

    /// <summary>Whether sv waits (and so compares status times with its start): -v, -w, or an LSB verb, which waits by default.</summary>
    private static bool Waits(string command) =>
        command.Split(' ').Any(w => w is "-v" or "-w" or "start" or "stop" or "reload" or "restart" or "shutdown" or "check"
            || w.StartsWith("force-") || w == "try-restart");

    /// <summary>The same state twice, set up at once (each waits for its runsv).</summary>
    private static (ServiceState Theirs, ServiceState Ours) States(TempDirectory temp, string state)
    {
        var a = Task.Run(() => new ServiceState(temp["runit"], state, Supervised.RunitRunsv));
        var b = Task.Run(() => new ServiceState(temp["ours"], state, Supervised.RunitRunsv));
        try { Task.WaitAll(a, b); }
        catch (AggregateException)
        {
            if (a.IsCompletedSuccessfully) a.Result.Dispose();
            if (b.IsCompletedSuccessfully) b.Result.Dispose();
            throw;
        }
        return (a.Result, b.Result);
    }

    /// <summary>Both at once: the waiting commands take seconds each.</summary>
    private static (RunResult Theirs, RunResult Ours) Both(Func<RunResult> theirs, Func<RunResult> ours)
    {
        var a = Task.Run(theirs);
        var b = Task.Run(ours);
        Task.WaitAll(a, b);
        return (a.Result, b.Result);
    }

    private static void AssertSame(string command, string state, RunResult theirs, RunResult ours)
    {
        TestContext.Out.WriteLine($"sv {command} [{state}]\n--- runit\n{theirs}\n--- ours\n{ours}");
        Assert.Multiple(() =>
        {
            Assert.That(ServiceState.Normalise(ours.Stdout), Is.EqualTo(ServiceState.Normalise(theirs.Stdout)), "stdout");
            Assert.That(ours.ExitCode, Is.EqualTo(theirs.ExitCode), "exit code");
            Assert.That(ServiceState.Normalise(ours.Stderr), Is.EqualTo(ServiceState.Normalise(theirs.Stderr)), "stderr");
        });
    }
}
