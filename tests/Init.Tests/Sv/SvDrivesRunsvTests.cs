using System.Diagnostics;
using Init.Tests.Support;

namespace Init.Tests.Sv;

/// <summary>
/// Mixed installs: our sv drives runit's runsv, runit's sv drives our runsv; the waits of
/// start/restart/check follow <c>./check</c> in both directions.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class SvDrivesRunsvTests
{
    private static IEnumerable<TestCaseData> Pairs()
    {
        yield return new TestCaseData("ours", "runit").SetArgDisplayNames("our sv", "runit's runsv");
        yield return new TestCaseData("runit", "ours").SetArgDisplayNames("runit's sv", "our runsv");
        yield return new TestCaseData("ours", "ours").SetArgDisplayNames("our sv", "our runsv");
    }

    private static string SvOf(string who) => who == "ours" ? Binary.Applet("sv") : Supervised.RunitSv;
    private static string RunsvOf(string who) => who == "ours" ? Binary.Applet("runsv") : Supervised.RunitRunsv;

    [TestCaseSource(nameof(Pairs)), CancelAfter(60_000)]
    public void Start_restart_and_check_wait_until_the_check_script_reports_ready(string svWho, string runsvWho)
    {
        using var temp = new TempDirectory();
        using var state = new ServiceState(temp.Path, "down", RunsvOf(runsvWho));
        string sv = SvOf(svWho);
        // Ready once the service has written its marker, 1.5 s after it starts.
        File.WriteAllText(Path.Combine(state.ServiceDirectory, "run"), "#!/bin/sh\nrm -f ready\n(sleep 1.5; touch ready) &\nexec sleep 1000\n");
        File.WriteAllText(Path.Combine(state.ServiceDirectory, "check"), "#!/bin/sh\ntest -e ready\n");
        File.SetUnixFileMode(Path.Combine(state.ServiceDirectory, "check"), (UnixFileMode)0b111_101_101);

        var start = Timed(() => state.Sv(sv, "-w 10 start svc"));
        var check = Timed(() => state.Sv(sv, "-w 10 check svc"));
        var restart = Timed(() => state.Sv(sv, "-w 10 restart svc"));
        var stop = Timed(() => state.Sv(sv, "-w 10 stop svc"));
        var quickCheck = state.Sv(sv, "-w 1 check svc");

        TestContext.Out.WriteLine($"start {start.Ms} ms, check {check.Ms} ms, restart {restart.Ms} ms, stop {stop.Ms} ms");
        Assert.Multiple(() =>
        {
            Assert.That(start.Result.Stdout, Does.Match(@"^ok: run: svc: \(pid \d+\) \d+s, normally down\n$"));
            Assert.That(start.Result.ExitCode, Is.EqualTo(0));
            Assert.That(start.Ms, Is.GreaterThan(1000), "start returned before ./check said ready");
            Assert.That(check.Result.ExitCode, Is.EqualTo(0));
            Assert.That(restart.Result.Stdout, Does.Match(@"^ok: run: svc: \(pid \d+\) \d+s, normally down\n$"));
            Assert.That(restart.Ms, Is.GreaterThan(1000), "restart returned before ./check said ready");
            Assert.That(stop.Result.Stdout, Does.Match(@"^ok: down: svc: \d+s\n$"));
            Assert.That(quickCheck.Stdout, Does.Match(@"^ok: down: svc: \d+s\n$"), "check of a service that wants down waits for down");
        });
    }

    [TestCaseSource(nameof(Pairs)), CancelAfter(60_000)]
    public void A_check_that_never_succeeds_times_out_and_force_restart_kills(string svWho, string runsvWho)
    {
        using var temp = new TempDirectory();
        using var state = new ServiceState(temp.Path, "check-fails", RunsvOf(runsvWho));
        string sv = SvOf(svWho);

        var start = state.Sv(sv, "-w 1 start svc");
        var force = state.Sv(sv, "-w 1 force-restart svc");

        Assert.That(start.Stdout, Does.Match(@"^timeout: run: svc: \(pid \d+\) \d+s\n$"));
        Assert.That(start.ExitCode, Is.EqualTo(1));
        Assert.That(force.Stdout, Does.Match(@"^kill: run: svc: \(pid \d+\) \d+s.*\n$"));
        Assert.That(force.ExitCode, Is.EqualTo(1));
    }

    private static (RunResult Result, long Ms) Timed(Func<RunResult> action)
    {
        var sw = Stopwatch.StartNew();
        var r = action();
        return (r, sw.ElapsedMilliseconds);
    }
}
