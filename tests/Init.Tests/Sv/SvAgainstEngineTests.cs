using Init.Tests.Support;

namespace Init.Tests.Sv;

/// <summary>
/// runit's own sv against a service hosted by our engine and against the same service under
/// runit's runsv, in the same state: the same output (pids and ages normalised), the same exit
/// code. To sv, an engine service and a runsv service must be indistinguishable.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class SvAgainstEngineTests
{
    private static readonly string[] Instant =
        ["status", "up", "down", "once", "pause", "cont", "hup", "alarm", "interrupt", "quit", "1", "2", "term", "kill", "exit"];

    private static readonly string[] Waiting =
        ["-w 2 start", "-w 2 stop", "-w 2 restart", "-w 2 force-stop", "-w 2 force-restart", "-w 2 check", "-v up", "-v down", "-v once", "-v exit"];

    private static IEnumerable<TestCaseData> InstantCases() =>
        from state in new[] { "up-with-log", "up", "down", "paused" }
        from command in Instant
        select new TestCaseData(command, state).SetArgDisplayNames(command, state);

    private static IEnumerable<TestCaseData> WaitingCases() =>
        from state in new[] { "up", "down", "check-fails" }
        from command in Waiting
        where !(state == "check-fails" && command.StartsWith("-v "))   // a 7 s default wait
        select new TestCaseData(command, state).SetArgDisplayNames(command, state);

    [TestCaseSource(nameof(InstantCases)), CancelAfter(30_000)]
    public void A_command_that_does_not_wait_acts_on_the_engine_as_on_runits_runsv(string command, string state) => Compare(command, state);

    [TestCaseSource(nameof(WaitingCases)), CancelAfter(60_000)]
    public void A_waiting_command_acts_on_the_engine_as_on_runits_runsv(string command, string state) => Compare(command, state);

    private static void Compare(string command, string state)
    {
        using var temp = new TempDirectory();
        var runit = Task.Run(() => new ServiceState(temp["runit"], state, Supervised.RunitRunsv));
        var engine = Task.Run(() => new ServiceState(temp["engine"], state, Supervised.Engine));
        Task.WaitAll(runit, engine);
        using var theirs = runit.Result;
        using var ours = engine.Result;
        // sv's once and up checks compare the status time with its own start in whole seconds:
        // act only once both states are at least a second old, so both sides see the same answer.
        WaitForNextSecond(theirs, ours);

        var a = Task.Run(() => theirs.Sv(Supervised.RunitSv, $"{command} {ServiceState.Name}"));
        var b = Task.Run(() => ours.Sv(Supervised.RunitSv, $"{command} {ServiceState.Name}"));
        Task.WaitAll(a, b);
        var (t, o) = (a.Result, b.Result);

        TestContext.Out.WriteLine($"sv {command} [{state}]\n--- runit's runsv\n{t}\n--- engine\n{o}");
        Assert.Multiple(() =>
        {
            Assert.That(ServiceState.Normalise(o.Stdout), Is.EqualTo(ServiceState.Normalise(t.Stdout)), "stdout");
            Assert.That(o.ExitCode, Is.EqualTo(t.ExitCode), "exit code");
            Assert.That(ServiceState.Normalise(o.Stderr), Is.EqualTo(ServiceState.Normalise(t.Stderr)), "stderr");
        });
        // The effect too: the same state afterwards (after exit, the engine supervises the service
        // again a second later, as runsvdir restarts an exited runsv; a lone runsv stays gone).
        if (command.EndsWith("exit")) return;
        Assert.That(Run.Until(() => Effect(ours) == Effect(theirs), 5000), Is.True,
            $"state after sv {command}: runit's runsv {Effect(theirs)}, engine {Effect(ours)}");
    }

    private static string Effect(ServiceState s) =>
        File.Exists(Path.Combine(s.ServiceDirectory, "supervise/status")) && StatusOf(s) is { } r
            ? $"{r.State} want={r.Want} paused={r.Paused} pid={(r.Pid != 0 ? "set" : "0")}" : "none";

    private static Init.Supervision.StatusRecord? StatusOf(ServiceState s)
    {
        try
        {
            return Init.Supervision.StatusRecord.TryRead(File.ReadAllBytes(Path.Combine(s.ServiceDirectory, "supervise/status")), out var r) ? r : null;
        }
        catch (IOException) { return null; }
    }

    private static void WaitForNextSecond(params ServiceState[] states)
    {
        long newest = states.Select(s => StatusOf(s)?.Since.UnixSeconds ?? 0).Max();
        Assert.That(Run.Until(() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() > newest, 3000), Is.True, "the clock did not move on");
    }
}
