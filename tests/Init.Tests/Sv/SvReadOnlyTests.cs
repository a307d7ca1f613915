using Init.Tests.Support;

namespace Init.Tests.Sv;

/// <summary>sv status needs only read access to supervise/ (our addition; runit's sv needs to open the ok FIFO for writing).</summary>
[Parallelizable(ParallelScope.None)]
public class SvReadOnlyTests
{
    [OneTimeSetUp]
    public void NeedsRoot() => Requires.Root("sv runs as nobody through setpriv on a root-owned supervise/");

    [Test, CancelAfter(30_000)]
    public void A_user_who_may_only_read_supervise_gets_the_status_where_runits_sv_says_access_denied()
    {
        using var temp = new TempDirectory();
        using var state = new ServiceState(temp.Path, "up", Supervised.RunitRunsv);
        // Readable for everyone, writable by root only: the ok FIFO stays 0600.
        Run.Shell($"chmod 755 '{temp.Path}' '{state.SvDir}' '{state.ServiceDirectory}' '{state.ServiceDirectory}/supervise'");

        RunResult AsNobody(string sv) => Run.Command("/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", sv, "status", state.ServiceDirectory], temp.Path);
        var ours = AsNobody(Binary.Applet("sv"));
        var theirs = AsNobody(Supervised.RunitSv);

        Assert.That(ours.Stdout, Does.Match($@"^run: {state.ServiceDirectory}: \(pid \d+\) \d+s\n$"));
        Assert.That(ours.ExitCode, Is.EqualTo(0));
        Assert.That(theirs.Stdout, Is.EqualTo($"warning: {state.ServiceDirectory}: unable to open supervise/ok: access denied\n"));
        Assert.That(theirs.ExitCode, Is.EqualTo(1));
    }

    [Test, CancelAfter(30_000)]
    public void Commands_other_than_status_still_need_write_access_as_with_runits_sv()
    {
        using var temp = new TempDirectory();
        using var state = new ServiceState(temp.Path, "up", Supervised.RunitRunsv);
        Run.Shell($"chmod 755 '{temp.Path}' '{state.SvDir}' '{state.ServiceDirectory}' '{state.ServiceDirectory}/supervise'");

        var ours = Run.Command("/usr/bin/setpriv",
            ["--reuid=65534", "--regid=65534", "--clear-groups", Binary.Applet("sv"), "down", state.ServiceDirectory], temp.Path);

        Assert.That(ours.Stdout, Is.EqualTo($"warning: {state.ServiceDirectory}: unable to open supervise/ok: access denied\n"));
        Assert.That(ours.ExitCode, Is.EqualTo(1));
    }
}
