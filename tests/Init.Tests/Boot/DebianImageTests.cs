using Init.Tests.Support;

namespace Init.Tests.Boot;

/// <summary>
/// A real Debian system booted by Init (images/debian): bookworm from Debian's archive, on a
/// virtual disk, Debian's kernel and initramfs, root=/dev/vda, init=/usr/sbin/init. Its daemons
/// (ssh, cron, rsyslog, lighttpd) run as the services init import made of their own units; the
/// image's self-test checks each answers, then powers off. The disk must then be clean: unmounted
/// or read-only at the end, no fsck needed at the next boot.
/// </summary>
[TestFixture, NonParallelizable]
public class DebianImageTests
{
    private static string Image => Path.Combine(Binary.RepositoryRoot(), "artifacts", "debian", "debian.img");

    [Test, CancelAfter(600_000)]
    public void Debian_boots_with_its_daemons_as_imported_services_and_powers_off_leaving_a_clean_disk()
    {
        Requires.Qemu();
        Requires.Installed("/usr/bin/mmdebstrap");
        Requires.Root("mmdebstrap builds the root filesystem as root");
        string images = Path.Combine(Binary.RepositoryRoot(), "images", "debian");

        // The root filesystem is cached by its package list; the disk is made afresh from it and this binary.
        var build = Run.Command("bash", [Path.Combine(images, "build.sh"), Binary.Directory], timeoutMs: 400_000);
        Assert.That(build.ExitCode, Is.Zero, build.ToString());
        string notes = File.ReadAllText(Path.Combine(Binary.RepositoryRoot(), "artifacts", "debian", "import.txt"));
        foreach (string unit in new[] { "ssh", "cron", "rsyslog", "lighttpd" })
            Assert.That(notes, Does.Contain($"init import: /etc/init/sv/{unit}: "), notes);

        var boot = Run.Command("bash", [Path.Combine(images, "boot.sh"), "selftest=poweroff"],
            environment: new Dictionary<string, string?> { ["QEMU_TIMEOUT"] = "180" }, timeoutMs: 190_000);
        string console = boot.Stdout + boot.Stderr;

        Assert.Multiple(() =>
        {
            Assert.That(console, Does.Contain("stage 1: fsck exit 0"), console);
            foreach (string check in new[] { "ssh", "http", "cron", "syslog" })
                Assert.That(console, Does.Contain($"SELFTEST {check} ok"), console);
            foreach (string service in new[] { "ssh", "cron", "rsyslog", "lighttpd" })
                Assert.That(console, Does.Match($@"run: /etc/service/{service}: \(pid \d+\)"), console);
            Assert.That(console, Does.Contain("stage 3: poweroff"), console);
            Assert.That(console, Does.Contain("stage 3: / is ro"), console);
            Assert.That(console, Does.Contain("reboot: Power down"), console);
            Assert.That(console, Does.Not.Contain("Kernel panic"));
        });

        var state = Run.Command("dumpe2fs", "-h", Image);
        Assert.That(state.Stdout, Does.Match(@"Filesystem state:\s+clean\n"), "the next boot would need fsck: " + state);
        var fsck = Run.Command("e2fsck", "-fn", Image);
        Assert.That(fsck.ExitCode, Is.Zero, fsck.ToString());
    }
}
