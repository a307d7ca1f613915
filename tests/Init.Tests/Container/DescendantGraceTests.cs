using System.Diagnostics;
using Init.Tests.Support;

namespace Init.Tests.Container;

/// <summary>
/// Init's addition (tini#180, dumb-init#212): when the main child exits, the descendants it left
/// get TERM and time to finish before the entrypoint exits (and the kernel SIGKILLs the namespace).
/// </summary>
[TestFixture]
public sealed class DescendantGraceTests
{
    /// <summary>The main child starts a daemon that records TERM (after 0.3 s of "cleanup") and exits at once.</summary>
    private const string LeavesADaemon = """
        use POSIX;
        my ($ignore) = @ARGV;
        if (fork() == 0) {
            POSIX::setsid();
            $SIG{TERM} = $ignore ? "IGNORE" : sub { select(undef, undef, undef, 0.3); open(my $f, ">>", "log"); print $f "daemon cleaned up\n"; close $f; exit 0; };
            open(my $r, ">", "ready"); close $r;
            sleep 60; exit 0;
        }
        until (-e "ready") { select(undef, undef, undef, 0.02); }
        exit 3;
        """;

    private static RunResult InNamespace(string which, string[] options, string workingDirectory, bool ignoreTerm = false,
        IDictionary<string, string?>? environment = null) =>
        Run.Command("/usr/bin/unshare", ["--fork", "--pid", "--mount-proc", Entrypoint.Program(which), .. options, "--", "/usr/bin/perl", "-e", LeavesADaemon, ignoreTerm ? "1" : "0"],
            workingDirectory, environment);

    [Test, CancelAfter(30_000)]
    public void With_a_grace_period_a_descendant_gets_TERM_and_finishes_its_cleanup_before_the_exit()
    {
        using var dir = new TempDirectory();

        var r = InNamespace(Entrypoint.Ours, ["--wait-descendants", "5"], dir.Path);

        Assert.That(r.ExitCode, Is.EqualTo(3), r.ToString());
        Assert.That(File.ReadAllText(dir["log"]), Is.EqualTo("daemon cleaned up\n"));
    }

    [Test, CancelAfter(30_000)]
    public void The_grace_period_can_be_set_through_the_environment_and_works_for_the_dumb_init_link_too()
    {
        using var dir = new TempDirectory();

        var r = InNamespace(Entrypoint.OursDumb, [], dir.Path, environment: new Dictionary<string, string?> { ["INIT_KILL_DESCENDANTS_GRACE"] = "5" });

        Assert.That(r.ExitCode, Is.EqualTo(3), r.ToString());
        Assert.That(File.ReadAllText(dir["log"]), Is.EqualTo("daemon cleaned up\n"));
    }

    [Test, CancelAfter(30_000)]
    public void A_descendant_that_ignores_TERM_is_killed_when_the_grace_period_ends()
    {
        using var dir = new TempDirectory();
        var clock = Stopwatch.StartNew();

        var r = InNamespace(Entrypoint.Ours, ["--wait-descendants", "0.5"], dir.Path, ignoreTerm: true);

        Assert.That(r.ExitCode, Is.EqualTo(3), r.ToString());
        Assert.That(r.Stderr, Does.Contain("Grace period over: sent SIGKILL to 1 remaining descendant(s)"));
        Assert.That(clock.ElapsedMilliseconds, Is.LessThan(20_000), "the daemon's 60 s sleep was not cut short");
    }

    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), CancelAfter(30_000)]
    public void Without_a_grace_period_the_entrypoint_exits_with_the_child_and_the_descendant_does_not_clean_up_within_500ms(string which)
    {
        using var dir = new TempDirectory();

        var r = InNamespace(which, [], dir.Path);

        Assert.That(r.ExitCode, Is.EqualTo(3), r.ToString());
        // As tini: the kernel SIGKILLs what is left (the daemon would write 0.3 s after a TERM).
        Run.Never(() => File.Exists(dir["log"]), TimeSpan.FromMilliseconds(500), "the descendant's clean-up");
    }

    [Test, CancelAfter(30_000)]
    public void When_not_pid_1_a_grace_period_makes_the_entrypoint_a_subreaper_and_waits_for_the_daemon()
    {
        using var dir = new TempDirectory();

        var r = Run.Command(Entrypoint.Program(Entrypoint.Ours), ["--wait-descendants", "5", "--", "/usr/bin/perl", "-e", LeavesADaemon, "0"], dir.Path);

        Assert.That(r.ExitCode, Is.EqualTo(3), r.ToString());
        Assert.That(File.ReadAllText(dir["log"]), Is.EqualTo("daemon cleaned up\n"));
        Assert.That(r.Stderr, Does.Not.Contain("Tini is not running as PID 1"));
    }
}
