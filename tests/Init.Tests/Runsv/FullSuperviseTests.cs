using Init.Tests.Support;

namespace Init.Tests.Runsv;

/// <summary>
/// supervise/ on a file system that fills up while the service runs (a tmpfs, as Debian links
/// supervise/ into /run). Init keeps each swapped-out <c>*.new</c> and writes over it, so its updates
/// need no new space; runit's runsv creates a file per write, and the page each rename frees is what
/// lets the next one be written. Either way a stop and a start on a full disk are published, side by side.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class FullSuperviseTests
{
    private const string Sleeper = "#!/bin/sh\nexec sleep 1000\n";

    [TestCase("runsv")]
    [TestCase(Supervised.Engine)]
    [TestCase(Supervised.RunitRunsv)]
    [CancelAfter(30_000)]
    [Category("Reliability")]
    public void A_stop_is_published_when_the_supervise_file_system_is_full(string runsv)
    {
        Requires.Root("mounts a small tmpfs to fill");
        using var temp = new TempDirectory();
        string service = Path.GetDirectoryName(temp.Script("svc/run", Sleeper))!;
        string mount = temp["tmpfs"];
        Directory.CreateDirectory(mount);
        var mounted = Run.Command("/bin/mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mount);
        Assert.That(mounted.ExitCode, Is.Zero, mounted.ToString());
        try
        {
            File.CreateSymbolicLink(Path.Combine(service, "supervise"), Path.Combine(mount, "supervise"));
            using var supervised = new Supervised(service, runsv == "runsv" ? null : runsv, temp.Path);
            supervised.WaitRunning();
            // The tmpfs filled to the last page (dd stops at ENOSPC).
            Run.Shell($"dd if=/dev/zero of='{mount}/ballast' bs=4k 2>/dev/null");
            Assert.That(Run.Shell($"echo x > '{mount}/probe'").ExitCode, Is.Not.Zero, "the tmpfs is full");

            supervised.Control("d");
            bool published = Run.Until(() => supervised.Status().Pid == 0, 3_000);
            string status = Run.Command(Supervised.RunitSv, "status", service).Stdout;
            Assert.That(published, Is.True, "the stop was not published");
            Assert.That(status, Does.StartWith($"down: {service}: "), status);
            supervised.Control("u");
            Assert.That(Run.Until(() => supervised.Status().Pid != 0, 3_000), Is.True, "the start after it was not published");
            if (runsv == Supervised.RunitRunsv) return;
            Reliability.Record("disk", $"supervise/ on a full tmpfs, then sv down and up ({runsv})", 1,
                "the stop and the start are published (files written over, no new space needed)", peer: "runit's runsv publishes it too");
        }
        finally
        {
            Run.Command("/bin/umount", "-l", mount);
        }
    }
}
