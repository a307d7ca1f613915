using Init.Tests.Support;

namespace Init.Tests.Container;

/// <summary>What the child inherits (signal mask and ignored signals) and the parent-death signal, ours side by side with the originals.</summary>
[TestFixture]
public sealed class ProcessStateTests
{
    /// <summary>Blocks USR1 and HUP, ignores USR2 and XFSZ, then execs the entrypoint (perl: present everywhere).</summary>
    private const string WithSignalState = """
        use POSIX;
        sigprocmask(SIG_BLOCK, POSIX::SigSet->new(SIGUSR1, SIGHUP));
        $SIG{USR2} = "IGNORE"; $SIG{XFSZ} = "IGNORE"; $SIG{PIPE} = "DEFAULT";
        exec @ARGV or die;
        """;

    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), CancelAfter(20_000)]
    public void The_child_gets_the_signal_mask_and_ignored_signals_the_entrypoint_was_started_with(string which)
    {
        var r = Run.Command("/usr/bin/perl", ["-e", WithSignalState, Entrypoint.Program(which), "-s", "--", "/bin/grep", "^Sig[BI]", "/proc/self/status"]);

        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        // USR1 (10) and HUP (1) blocked; USR2 (12) and XFSZ (25) ignored; nothing else.
        Assert.That(r.Stdout, Is.EqualTo("SigBlk:\t0000000000000201\nSigIgn:\t0000000001000800\n"));
    }

    /// <summary>
    /// The documented difference: the .NET runtime sets its own disposition for SIGFPE (a fault handler)
    /// and SIGPIPE (SIG_IGN) before Main, so an inherited SIG_IGN of those two cannot be told apart and
    /// is not handed on; every other ignored signal, faults included, is, as tini hands them on.
    /// </summary>
    [Test, CancelAfter(20_000)]
    public void Inherited_ignored_faults_are_handed_on_as_tini_does_except_FPE_and_PIPE()
    {
        // coreutils' env sets them ignored and execs (perl will not ignore FPE for us).
        string SigIgn(string which) => Run.Command("/usr/bin/env",
            ["--ignore-signal=INT,TTOU,ILL,TRAP,ABRT,BUS,FPE,PIPE,XFSZ,SYS", Entrypoint.Program(which), "-s", "--", "/bin/grep", "^SigIgn", "/proc/self/status"]).Stdout;
        ulong Mask(string line) => Convert.ToUInt64(line.Trim()["SigIgn:\t".Length..], 16);
        const ulong Fpe = 1UL << (8 - 1), Pipe = 1UL << (13 - 1);

        ulong tini = Mask(SigIgn(Entrypoint.Tini)), ours = Mask(SigIgn(Entrypoint.Ours));

        Assert.That(tini & (Fpe | Pipe), Is.EqualTo(Fpe | Pipe), "tini hands both on: the test sets them");
        Assert.That(ours, Is.EqualTo(tini & ~(Fpe | Pipe)), $"ours {ours:x} against tini's {tini:x}");
    }

    [TestCase(Entrypoint.OursDumb), TestCase(Entrypoint.DumbInit), CancelAfter(20_000)]
    public void Dumb_init_children_start_with_nothing_blocked_and_nothing_ignored(string which)
    {
        var r = Run.Command("/usr/bin/perl", ["-e", WithSignalState, Entrypoint.Program(which), "/bin/grep", "^Sig[BI]", "/proc/self/status"]);

        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        Assert.That(r.Stdout, Is.EqualTo("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"));
    }

    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), CancelAfter(30_000)]
    public void With_p_the_entrypoint_gets_the_signal_when_its_parent_dies_and_forwards_it(string which)
    {
        using var dir = new TempDirectory();
        // The shell starts the entrypoint (output to files: it outlives the shell), waits for the child to be ready, and exits: its parent is gone.
        string script = $"""
            {Entrypoint.Program(which)} -s -p SIGUSR1 -- /usr/bin/perl -e '{Entrypoint.Dummy.Replace("'", "'\\''")}' log stop 0 >out 2>err </dev/null &
            echo $! > entrypoint.pid
            while [ ! -s log.ready ]; do sleep 0.02; done
            exit 0
            """;

        var r = Run.Command("/bin/sh", ["-c", script], workingDirectory: dir.Path);

        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        Assert.That(Run.Until(() => File.Exists(dir["log"]) && File.ReadAllText(dir["log"]).Contains("child USR1")), Is.True,
            "the child never got SIGUSR1 after the entrypoint's parent died");
        File.WriteAllText(dir["stop"], "");
        AssertExits(int.Parse(File.ReadAllText(dir["entrypoint.pid"]).Trim()));
    }

    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), CancelAfter(30_000)]
    public void Without_p_the_parents_death_sends_nothing_within_500ms(string which)
    {
        using var dir = new TempDirectory();
        string script = $"""
            {Entrypoint.Program(which)} -s -- /usr/bin/perl -e '{Entrypoint.Dummy.Replace("'", "'\\''")}' log stop 0 >out 2>err </dev/null &
            echo $! > entrypoint.pid
            while [ ! -s log.ready ]; do sleep 0.02; done
            exit 0
            """;

        var r = Run.Command("/bin/sh", ["-c", script], workingDirectory: dir.Path);

        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        Run.Never(() => File.Exists(dir["log"]) && File.ReadAllText(dir["log"]).Length > 0, TimeSpan.FromMilliseconds(500), "a signal reaching the child");
        File.WriteAllText(dir["stop"], "");
        AssertExits(int.Parse(File.ReadAllText(dir["entrypoint.pid"]).Trim()));
    }

    /// <summary>The entrypoint (re-parented elsewhere, so not ours to wait for) goes away once its child has.</summary>
    private static void AssertExits(int pid) =>
        Assert.That(Run.Until(() => !Directory.Exists($"/proc/{pid}") || File.ReadAllText($"/proc/{pid}/stat").Contains(") Z "), 5000), Is.True,
            "the entrypoint did not exit after its child");

    [TestCase(Entrypoint.Ours), TestCase(Entrypoint.Tini), CancelAfter(20_000)]
    public void On_a_terminal_the_childs_process_group_becomes_the_foreground_group(string which)
    {
        // script(1) gives the entrypoint a pseudo-terminal as stdin and controlling terminal.
        var r = Run.Command("/usr/bin/script", ["-qec", $"exec {Entrypoint.Program(which)} -s -- /bin/sh -c 'ps -o pgid=,tpgid= -p $$'", "/dev/null"]);

        var fields = r.Stdout.Split([' ', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
        Assert.That(fields, Has.Length.EqualTo(2), r.ToString());
        Assert.That(fields[1], Is.EqualTo(fields[0]), "the child's group is not the terminal's foreground group");
    }
}
