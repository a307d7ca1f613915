using Init.Tests.Support;

namespace Init.Tests.Cli;

/// <summary>
/// The release tarball and the Debian package (packaging/build-package.sh): lintian finds no error,
/// the package installs on this machine beside Debian's runit (dpkg refuses any file of another
/// package), its applets, man pages and completion work from the installed paths, and purging it
/// leaves none of its files behind.
/// </summary>
[TestFixture, NonParallelizable]
public sealed class PackageTests
{
    private static string Package => Path.Combine(Binary.RepositoryRoot(), "artifacts", "package");

    private static string Build()
    {
        var build = Run.Command("bash", [Path.Combine(Binary.RepositoryRoot(), "packaging", "build-package.sh"), Binary.Directory], timeoutMs: 120_000);
        Assert.That(build.ExitCode, Is.Zero, build.ToString());
        return Directory.GetFiles(Package, "init-suite_*_amd64.deb").Single();
    }

    [Test, CancelAfter(300_000)]
    public void The_deb_passes_lintian_installs_beside_runit_works_from_its_paths_and_purges_clean()
    {
        Requires.Root("dpkg -i on this machine");
        Requires.Installed("/usr/bin/lintian");
        Requires.Installed("/usr/bin/runsv");   // the point: beside runit, not over it
        string deb = Build();

        var lintian = Run.Command("lintian", ["--fail-on", "error", deb], timeoutMs: 240_000);
        Assert.That(lintian.ExitCode, Is.Zero, lintian.ToString());
        Assert.That(lintian.Stdout, Does.Not.Contain("E: "), lintian.Stdout);

        var install = Run.Command("dpkg", ["-i", deb], timeoutMs: 60_000);
        try
        {
            Assert.That(install.ExitCode, Is.Zero, install.ToString());
            var files = Run.Command("dpkg", "-L", "init-suite").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.That(files, Does.Contain("/usr/lib/init-suite/bin/sv").And.Contain("/usr/share/man/man8/sv.8init.gz"));

            var help = Run.Command("/usr/lib/init-suite/bin/sv", "--help");
            Assert.That(help.ExitCode, Is.Zero, help.ToString());
            Assert.That(help.Stdout, Does.StartWith("usage: "), help.ToString());
            var onPath = Run.Command("/usr/bin/init-suite", "sv", "status", "/nonexistent-service");
            Assert.That(onPath.Stdout + onPath.Stderr, Does.Contain("/nonexistent-service"), onPath.ToString());
            Assert.That(Run.Command("dpkg", "-S", "/usr/bin/sv").Stdout, Does.StartWith("runit: "), "runit's sv is still runit's");

            var man = Run.Command("man", "-w", "8init", "sv");
            Assert.That(man.Stdout.Trim(), Is.EqualTo("/usr/share/man/man8/sv.8init.gz"), man.ToString());
            var page = Run.Shell("man -P cat 8init sv 2>&1 | head -20");
            Assert.That(page.Stdout, Does.Contain("sv"), page.ToString());

            // Completion of sv from the installed script: commands, then the services of SVDIR.
            using var dir = new TempDirectory();
            Directory.CreateDirectory(dir["web"]);
            Directory.CreateDirectory(dir["worker"]);
            var completion = Run.Command("bash", ["-c", $"SVDIR={dir.Path}; . /etc/bash_completion.d/init-suite; " +
                "COMP_WORDS=(sv st); COMP_CWORD=1; _init_suite; echo \"${COMPREPLY[*]}\"; " +
                "COMP_WORDS=(sv -w 5 up w); COMP_CWORD=4; _init_suite; echo \"${COMPREPLY[*]}\""]);
            Assert.That(completion.Stdout, Is.EqualTo("status start stop\nweb worker\n"), completion.ToString());
        }
        finally
        {
            var files = Run.Command("dpkg", ["-L", "init-suite"], cancellable: false).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            var purge = Run.Command("dpkg", ["-P", "init-suite"], timeoutMs: 60_000, cancellable: false);
            Assert.That(purge.ExitCode, Is.Zero, purge.ToString());
            var left = files.Where(f => (File.Exists(f) || new FileInfo(f).LinkTarget is not null) && !Directory.Exists(f)).ToList();
            Assert.That(left, Is.Empty, "files of the package left after dpkg -P");
            Assert.That(Directory.Exists("/usr/lib/init-suite"), Is.False);
        }
    }

    [Test, CancelAfter(120_000)]
    public void The_tarball_holds_the_binary_every_applet_link_and_checksums_that_verify()
    {
        Build();
        string tarball = Directory.GetFiles(Package, "init-suite-*-linux-x64.tar.gz").Single();
        using var dir = new TempDirectory();
        Assert.That(Run.Command("tar", "-C", dir.Path, "-xzf", tarball).ExitCode, Is.Zero);
        string top = Directory.GetDirectories(dir.Path).Single();
        var check = Run.Command("sha256sum", ["-c", "--quiet", "SHA256SUMS"], workingDirectory: top);
        Assert.That(check.ExitCode, Is.Zero, check.ToString());
        var listed = Run.Command(Binary.Init, "--list").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (string applet in listed)
            Assert.That(new FileInfo(Path.Combine(top, "usr/lib/init-suite/bin", applet)).LinkTarget, Is.EqualTo("init"), applet);
        var version = Run.Command(Path.Combine(top, "usr/lib/init-suite/bin/runsv"), "--version");
        Assert.That(version.Stdout, Does.StartWith("runsv (Init) "), version.ToString());
    }
}
