using System.Text.RegularExpressions;
using Init.Tests.Support;

namespace Init.Tests.Container;

/// <summary>Orphaned zombies are reaped, as PID 1 and as a subreaper; ours side by side with tini.</summary>
[TestFixture]
public sealed class ReapingTests
{
    /// <summary>
    /// A middle process forks N children that exit at once and leaves without reaping them: N
    /// orphaned zombies for the reaper. The child then waits until /proc (of its PID namespace)
    /// shows only the reaper and itself (exit 0) or gives up after 10 s (exit 1); with a second
    /// argument (not PID 1: /proc shows the whole machine) it waits instead until none of the N
    /// pids is left in /proc, a zombie included, i.e. the subreaper has reaped every one.
    /// </summary>
    private const string Orphans = """
        use POSIX;
        use IO::Handle;
        my $n = $ARGV[0];
        pipe(my $r, my $w) or die;
        $w->autoflush(1);
        my $mid = fork();
        if ($mid == 0) { close $r; for (1 .. $n) { my $k = fork(); POSIX::_exit(0) if $k == 0; print $w "$k\n"; } POSIX::_exit(0); }
        close $w;
        my @orphans = map { chomp; $_ } <$r>;
        waitpid($mid, 0);
        exit 2 unless @orphans == $n;
        for (1 .. 500) {
            if ($ARGV[1]) { exit 0 unless grep { -e "/proc/$_" } @orphans; }
            else { my @left = glob "/proc/[0-9]*"; exit 0 if @left == 2; }   # the reaper (PID 1) and this child
            select(undef, undef, undef, 0.02);
        }
        exit 1;
        """;

    /// <summary>The child forks N children that exit at once and exits itself without reaping them.</summary>
    private const string ZombiesAtExit = """
        use POSIX;
        for (1 .. $ARGV[0]) { POSIX::_exit(0) if fork() == 0; }
        select(undef, undef, undef, 0.5);
        exit 0;
        """;

    /// <summary>
    /// Idle, the entrypoint wakes about once a second, as tini's sigtimedwait does: SIGCHLD comes
    /// from our signalfd with every exit, so the sweep for orphans is only a safety net (it used to
    /// wake the loop ten times a second for it).
    /// </summary>
    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), CancelAfter(30_000)]
    public void An_idle_entrypoint_wakes_about_once_a_second(string which)
    {
        using var e = Entrypoint.WithDummy(which, ["-s", "--"], pidNamespace: false);
        Assert.That(e.WaitFor(() => e.ReadyCount == 1), Is.True, "child never started");
        Thread.Sleep(500);   // past the set-up of our signalfd (50 ms after the start)
        long before = VoluntarySwitches(e.Pid);
        Thread.Sleep(3000);
        long wakeUps = VoluntarySwitches(e.Pid) - before;
        Assert.That(wakeUps, Is.InRange(1, 6), "times the entrypoint's main thread slept and woke in 3 s");
    }

    private static long VoluntarySwitches(int pid) =>
        long.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("voluntary_ctxt_switches:"))["voluntary_ctxt_switches:".Length..].Trim());

    private static int Reaped(string stderr) => Regex.Matches(stderr, @"\[WARN  tini \(\d+\)\] Reaped zombie process with pid=\d+").Count;

    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), CancelAfter(60_000)]
    [Category("Reliability")]
    public void Two_thousand_orphaned_zombies_are_reaped_as_pid_1(string which)
    {
        var r = Run.Command("/usr/bin/unshare", ["--fork", "--pid", "--mount-proc", Entrypoint.Program(which), "-w", "--", "/usr/bin/perl", "-e", Orphans, "2000"],
            timeoutMs: 50_000);

        Assert.That(r.ExitCode, Is.Zero, "zombies were left: " + r.Stdout);
        Assert.That(Reaped(r.Stderr), Is.EqualTo(2000));
        Reliability.Record("container", $"2,000 orphaned zombies at once, PID 1 = {which}", 2000, "all reaped, exit 0");
    }

    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), CancelAfter(60_000)]
    public void Zombies_the_child_leaves_behind_are_reaped_before_exiting(string which)
    {
        var r = Run.Command("/usr/bin/unshare", ["--fork", "--pid", "--mount-proc", Entrypoint.Program(which), "-w", "--", "/usr/bin/perl", "-e", ZombiesAtExit, "2000"],
            timeoutMs: 50_000);

        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        Assert.That(Reaped(r.Stderr), Is.EqualTo(2000));
    }

    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), CancelAfter(30_000)]
    public void As_a_subreaper_that_is_not_pid_1_grandchildren_are_reparented_to_it_and_reaped(string which)
    {
        var r = Run.Command(Entrypoint.Program(which), ["-s", "-w", "--", "/usr/bin/perl", "-e", Orphans, "50", "quick"]);

        Assert.That(r.ExitCode, Is.Zero, "an orphan was left unreaped: " + r);
        // Not PID 1 here: /proc shows the whole machine, so only count our own reaps.
        Assert.That(Reaped(r.Stderr), Is.EqualTo(50), r.ToString());
        Assert.That(r.Stderr, Does.Not.Contain("Tini is not running as PID 1"));
    }

    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), CancelAfter(30_000)]
    public void Without_subreaper_and_not_pid_1_tinis_warning_is_printed(string which)
    {
        var r = Run.Command(Entrypoint.Program(which), "--", "/bin/true");

        Assert.That(r.ExitCode, Is.Zero);
        Assert.That(Regex.Replace(r.Stderr, @"\(\d+\)", "(PID)"), Is.EqualTo(
            "[WARN  tini (PID)] Tini is not running as PID 1 and isn't registered as a child subreaper.\n" +
            "Zombie processes will not be re-parented to Tini, so zombie reaping won't work.\n" +
            "To fix the problem, use the -s option or set the environment variable TINI_SUBREAPER to register Tini as a child subreaper, or run Tini as PID 1.\n"));
    }

    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), CancelAfter(30_000)]
    public void TINI_SUBREAPER_set_even_empty_registers_a_subreaper(string which)
    {
        var r = Run.Command(Entrypoint.Program(which), ["-w", "--", "/usr/bin/perl", "-e", Orphans, "5", "quick"], environment: new Dictionary<string, string?> { ["TINI_SUBREAPER"] = "" },
            cleanEnvironment: false);

        // Registered: the orphans came to it and it reaped them (without a subreaper they go to our PID 1 and are not counted).
        Assert.That(r.ExitCode, Is.Zero, "an orphan was left unreaped: " + r);
        Assert.That(Reaped(r.Stderr), Is.EqualTo(5), r.ToString());
        Assert.That(r.Stderr, Does.Not.Contain("Tini is not running as PID 1"), r.ToString());
    }
}
