using Init.Tests.Support;

namespace Init.Tests.Runsvdir;

/// <summary>
/// The engine where the system is missing parts (#13's faults): no /proc (not mounted yet, or
/// hidden), a supervise/ symlinked onto a read-only tmpfs. Each runs in a mount namespace of its
/// own (unshare -m) so that the host keeps its /proc and mounts.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class MissingSystemPartsTests
{
    private static RunResult InMountNamespace(string script) =>
        Run.Command("/usr/bin/unshare", ["-m", "--propagation", "private", "/bin/sh", "-c", script], timeoutMs: 30_000);

    [Test, CancelAfter(40_000)]
    [Category("Reliability")]
    public void Without_proc_the_engine_still_starts_stops_and_restarts_services()
    {
        Requires.Root("mounts in a mount namespace");
        Requires.Installed("/usr/bin/unshare");
        using var temp = new TempDirectory();
        temp.Script("service/a/run", "#!/bin/sh\nexec sleep 1000\n");
        string runsvdir = Binary.Applet("runsvdir"), sv = Binary.Applet("sv");
        var result = InMountNamespace($"""
            mount -t tmpfs none /proc || exit 90
            {runsvdir} {temp["service"]} 2>{temp["err"]} &
            i=0; until {sv} status {temp["service/a"]} | grep -q '^run: '; do i=$((i+1)); [ $i -gt 100 ] && exit 91; sleep 0.1; done
            {sv} -w 10 restart {temp["service/a"]} || exit 92
            {sv} -w 10 down {temp["service/a"]} || exit 93
            kill -HUP $!; wait $!   # runsvdir's HUP: its supervisors told x, then exit 111 (runit's)
            [ $? -eq 111 ]
            """);

        Assert.That(result.ExitCode, Is.Zero, result + File.ReadAllText(temp["err"]));
        Reliability.Record("fault", "the engine with no /proc mounted (mount namespace)", 1, "services start, restart and stop; only adoption's identity and sd_notify's sender check need /proc");
    }

    [Test, CancelAfter(40_000)]
    [Category("Reliability")]
    public void A_supervise_link_onto_a_read_only_tmpfs_is_reported_and_retried_and_the_others_run()
    {
        Requires.Root("mounts in a mount namespace");
        Requires.Installed("/usr/bin/unshare");
        using var temp = new TempDirectory();
        temp.Script("service/a/run", "#!/bin/sh\nexec sleep 1000\n");
        temp.Script("service/b/run", "#!/bin/sh\nexec sleep 1000\n");
        Directory.CreateDirectory(temp["ro"]);
        File.CreateSymbolicLink(temp["service/a/supervise"], temp["ro/a"]);
        string runsvdir = Binary.Applet("runsvdir"), sv = Binary.Applet("sv");
        var result = InMountNamespace($"""
            mount -t tmpfs -o ro none {temp["ro"]} || exit 90
            {runsvdir} {temp["service"]} 2>{temp["err"]} &
            i=0; until {sv} status {temp["service/b"]} | grep -q '^run: '; do i=$((i+1)); [ $i -gt 100 ] && exit 91; sleep 0.1; done
            sleep 2.5
            kill -0 $! || exit 92
            kill -HUP $!; wait $!   # runsvdir's HUP: its supervisors told x, then exit 111 (runit's)
            [ $? -eq 111 ]
            """);

        Assert.That(result.ExitCode, Is.Zero, result + File.ReadAllText(temp["err"]));
        string err = File.ReadAllText(temp["err"]);
        string expected = "runsv a: warning: unable to open supervise/lock: read-only file system\n";
        Assert.That(err, Does.Contain(expected));
        Assert.That(err.Split(expected).Length - 1, Is.GreaterThanOrEqualTo(2), "tried again (a second apart)");
        Reliability.Record("fault", "supervise/ symlinked onto a read-only tmpfs (engine)", 1, "reported naming the file and errno, tried again every second; the other service ran; the engine never exited");
    }
}
