using Init.Tests.Support;

namespace Init.Tests.Sv;

/// <summary>
/// Where Debian's runit 2.1.2 and upstream 2.3.0 disagree, our sv follows 2.3.0. Each test asserts
/// our behaviour and, to keep the documented difference honest, what Debian's sv does.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class SvRunit23Tests
{
    [Test, CancelAfter(30_000)]
    public void Lsb_status_of_a_down_service_with_a_running_logger_is_3_not_the_loggers_0()
    {
        using var temp = new TempDirectory();
        using var state = new ServiceState(temp.Path, "down-with-log", Supervised.RunitRunsv);
        Directory.CreateDirectory(temp["init.d"]);
        File.CreateSymbolicLink(temp["init.d/svc"], Binary.Applet("sv"));
        File.CreateSymbolicLink(temp["init.d/runit-svc"], Supervised.RunitSv);
        Directory.CreateSymbolicLink(Path.Combine(state.SvDir, "runit-svc"), state.ServiceDirectory);

        var ours = state.Sv(temp["init.d/svc"], "status");
        var debian = state.Sv(temp["init.d/runit-svc"], "status");

        Assert.That(ours.Stdout, Does.Match(@"^down: svc: \d+s; run: log: \(pid \d+\) \d+s\n$"));
        Assert.That(ours.ExitCode, Is.EqualTo(3), "2.3.0: the service's own state decides");
        Assert.That(debian.ExitCode, Is.EqualTo(0), "2.1.2 lets the logger's state override (the documented difference)");
    }

    [Test, CancelAfter(30_000)]
    public void Check_of_a_service_that_wants_up_but_has_no_process_waits_and_times_out()
    {
        using var temp = new TempDirectory();
        using var state = new ServiceState(temp.Path, "crashing", Supervised.RunitRunsv);

        var ours = state.Sv(Binary.Applet("sv"), "-w 1 check svc");
        var debian = state.Sv(Supervised.RunitSv, "-w 1 check svc");

        Assert.That(ours.Stdout, Does.Match(@"^timeout: (down|run): svc: .*\n$"));
        Assert.That(ours.ExitCode, Is.EqualTo(1));
        Assert.That(debian.Stdout, Does.StartWith("ok: "), "2.1.2's check succeeds whenever no pid is present");
        Assert.That(debian.ExitCode, Is.EqualTo(0));
    }

    [Test, CancelAfter(30_000)]
    public void Check_of_a_service_that_wants_down_waits_for_down()
    {
        using var temp = new TempDirectory();
        using var state = new ServiceState(temp.Path, "up", Supervised.RunitRunsv);
        Run.Command(Binary.Applet("sv"), "down", state.ServiceDirectory);
        // sv down returns once the byte is written; before runsv has read it, check would see want up and say ok.
        state.WaitForWant('d');

        var ours = state.Sv(Binary.Applet("sv"), "-w 5 check svc");

        Assert.That(ours.Stdout, Does.Match(@"^ok: down: svc: \d+s, normally up\n$"));
        Assert.That(ours.ExitCode, Is.EqualTo(0));
    }
}
