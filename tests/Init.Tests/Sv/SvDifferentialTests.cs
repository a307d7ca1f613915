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
    private static readonly string[] Instant =
        ["status", "up", "down", "once", "pause", "cont", "hup", "alarm", "interrupt", "quit", "1", "2", "term", "kill", "exit", "bogus", "s"];

    private static readonly string[] InstantStates = ["up-with-log", "down", "paused", "no-runsv", "runsv-gone", "missing"];

    private static readonly string[] Waiting =
    [
        "-w 3 start", "-w 3 stop", "-w 3 reload", "-w 3 restart", "-w 3 shutdown", "-w 3 force-stop", "-w 3 force-reload",
        "-w 3 force-restart", "-w 3 force-shutdown", "-w 3 try-restart", "-w 3 check", "-v up", "-v down", "-v once",
        "-v pause", "-v cont", "-w 3 term", "-v exit",
    ];

    private static readonly string[] WaitingStates = ["up", "down", "check-fails", "runsv-gone", "missing"];

    private static IEnumerable<TestCaseData> InstantCases() =>
        from state in InstantStates from command in Instant select new TestCaseData(command, state).SetArgDisplayNames(command, state);

    private static IEnumerable<TestCaseData> WaitingCases() =>
        from state in WaitingStates from command in Waiting select new TestCaseData(command, state).SetArgDisplayNames(command, state);

    [TestCaseSource(nameof(InstantCases)), CancelAfter(30_000)]
    public void A_command_that_does_not_wait_prints_and_exits_as_runits_sv(string command, string state) => Compare(command, state);

    [TestCaseSource(nameof(WaitingCases)), CancelAfter(60_000)]
    public void A_waiting_command_prints_and_exits_as_runits_sv(string command, string state) => Compare(command, state);

    [TestCase("status", "up"), TestCase("status", "down"), TestCase("status", "missing"), TestCase("status", "runsv-gone"),
     TestCase("-w 3 start", "down"), TestCase("-w 3 stop", "up"), TestCase("-w 3 restart", "up"), TestCase("-w 1 start", "check-fails"),
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
        using var theirs = new ServiceState(temp["runit"], state, Supervised.RunitRunsv);
        using var ours = new ServiceState(temp["ours"], state, Supervised.RunitRunsv);

        var (t, o) = Both(() => theirs.Sv(temp["runit/init.d/svc"], command), () => ours.Sv(temp["ours/init.d/svc"], command));

        AssertSame(command, state, t, o);
    }

    private static void Compare(string command, string state)
    {
        using var temp = new TempDirectory();
        using var theirs = new ServiceState(temp["runit"], state, Supervised.RunitRunsv);
        using var ours = new ServiceState(temp["ours"], state, Supervised.RunitRunsv);

        var (t, o) = Both(() => theirs.Sv(Supervised.RunitSv, $"{command} {ServiceState.Name}"),
                          () => ours.Sv(Binary.Applet("sv"), $"{command} {ServiceState.Name}"));

        AssertSame(command, state, t, o);
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
