using Init.Tests.Support;

namespace Init.Tests.Chpst;

/// <summary>Our chpst against Debian's /usr/bin/chpst: same arguments, same process state seen by the child.</summary>
[TestFixture]
public sealed class ChpstDifferentialTests
{
    private const string Runit = "/usr/bin/chpst";

    [OneTimeSetUp]
    public void NeedsRoot() => Requires.Root("chpst -u/-U and limits above the hard limit change credentials");

    // What the child sees: ids, groups, blocked signals, every limit, nice, session leadership.
    // (SigIgn differs on purpose: runit's chpst passes on an ignored SIGPIPE, ours resets it.)
    private const string Probe =
        "grep -E '^(Uid|Gid|Groups|SigBlk)' /proc/self/status; ulimit -a; cut -d' ' -f19 /proc/self/stat; " +
        "[ \"$(cut -d' ' -f6 /proc/self/stat)\" = \"$$\" ] && echo leader || echo follower";

    private static RunResult Both(string[] args, out RunResult theirs, string? cwd = null)
    {
        theirs = Run.Command(Runit, args, cwd);
        return Run.Command(Binary.Applet("chpst"), args, cwd);
    }

    [TestCase("-u", "nobody")]
    [TestCase("-u", "nobody:nogroup:daemon:adm")]
    [TestCase("-u", ":1234:56:78")]
    [TestCase("-o", "77", "-c", "0", "-f", "1000000", "-t", "33", "-p", "99")]
    [TestCase("-m", "60000000")]
    [TestCase("-d", "70000000", "-r", "5000000")]
    [TestCase("-n", "7")]
    [TestCase("-P")]
    [TestCase("-u", "daemon", "-o", "64", "-n", "+2", "-P")]
    [CancelAfter(20_000)]
    public void The_child_sees_the_same_ids_limits_and_nice_as_under_runit_chpst(params string[] options)
    {
        string[] args = [.. options, "sh", "-c", Probe];

        var ours = Both(args, out var theirs);

        Assert.That(theirs.ExitCode, Is.EqualTo(0), theirs.ToString());
        Assert.That(ours.ToString(), Is.EqualTo(theirs.ToString()));
    }

    [Test, CancelAfter(20_000)]
    public void The_exec_d_program_inherits_no_ignored_or_blocked_signal()
    {
        // The test host starts us with SIGPIPE ignored (as .NET leaves it): runit's chpst passes that on.
        string probe = "grep -E '^Sig(Ign|Blk)' /proc/self/status";
        var parent = Run.Command("/bin/sh", "-c", "trap '' PIPE INT; exec \"$0\" sh -c \"$1\"", Binary.Applet("chpst"), probe);
        var theirs = Run.Command("/bin/sh", "-c", "trap '' PIPE INT; exec \"$0\" sh -c \"$1\"", Runit, probe);
        Assert.That(theirs.Stdout, Does.Not.Contain("SigIgn:\t0000000000000000"), "the set-up must ignore signals");

        var ours = parent;
        Assert.That(ours.Stdout, Is.EqualTo("SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"), ours.ToString());
    }

    [Test, CancelAfter(20_000)]
    public void Envdir_and_envuidgid_set_the_same_environment()
    {
        using var dir = new TempDirectory();
        dir.Write("env/A", "hello \t\nsecond line\n");
        dir.Write("env/EMPTY", "");
        File.WriteAllBytes(dir["env/NUL"], [(byte)'a', 0, (byte)'b']);
        dir.Write("env/.HIDDEN", "no");
        string[] args = ["-e", dir["env"], "-U", "nobody:daemon", "sh", "-c", "echo \"$A|${EMPTY-unset}|$NUL|${HIDDEN-x}|$UID|$GID\""];

        var ours = Both(args, out var theirs);

        Assert.That(theirs.Stdout, Does.StartWith("hello|unset|a\nb|"));
        Assert.That(ours.ToString(), Is.EqualTo(theirs.ToString()));
    }

    [Test, CancelAfter(20_000)]
    public void An_envdir_file_whose_name_has_an_equals_sign_gives_the_same_entry_as_under_runit()
    {
        using var dir = new TempDirectory();
        dir.Write("env/a=b", "value\n");
        dir.Write("env/c=d", "");
        string[] args = ["-e", dir["env"], "sh", "-c", "env | grep -E '^(a|c)=' | sort"];

        var ours = Both(args, out var theirs);

        Assert.That(theirs.Stdout, Is.EqualTo("a=b=value\nc=d\n"), "runit's unset marker \"c=d\" reads as an entry");
        Assert.That(ours.ToString(), Is.EqualTo(theirs.ToString()));
    }

    [TestCase("-u", "nosuchuser", "true")]
    [TestCase("-u", ":12x:3", "true")]
    [TestCase("/nonexistent/program")]
    [TestCase("-e", "/nonexistent", "true")]
    [TestCase("-/", "/nonexistent", "true")]
    [TestCase("-m", "12k", "true")]
    [TestCase("-l", "/nonexistent/dir/lock", "true")]
    [CancelAfter(20_000)]
    public void Errors_give_the_same_message_and_exit_code(params string[] args)
    {
        var ours = Both(args, out var theirs);

        Assert.That(ours.ExitCode, Is.EqualTo(theirs.ExitCode), ours.ToString() + theirs);
        // 2.3.0's usage line mentions -C, 2.1.2's does not: compare usage by its start only.
        string first = theirs.Stderr.Split('\n')[0];
        if (first.StartsWith("usage: ")) Assert.That(ours.Stderr, Does.StartWith("usage: chpst [-vVP012]"));
        else Assert.That(ours.Stderr.Split('\n')[0], Is.EqualTo(first));
    }

    [Test, CancelAfter(20_000)]
    public void Argv0_root_and_closed_stdout_work_like_runit()
    {
        using var dir = new TempDirectory();
        var ours = Both(["-b", "renamed", "-/", "/", "sh", "-c", "echo $0; pwd"], out var theirs, cwd: dir.Path);
        Assert.That(ours.ToString(), Is.EqualTo(theirs.ToString()));
        Assert.That(ours.Stdout, Is.EqualTo("renamed\n/\n"));

        var closed = Run.Command(Binary.Applet("chpst"), "-1", "sh", "-c", "echo x || echo failed >&2");
        Assert.That(closed.Stdout, Is.Empty);
        Assert.That(closed.Stderr, Does.Contain("failed").Or.Contain("Bad file descriptor"));
    }

    [Test, CancelAfter(20_000)]
    public void A_busy_lock_fails_with_L_and_the_lock_is_held_by_the_program()
    {
        using var dir = new TempDirectory();
        string lockFile = dir["lock"];
        using var holder = Run.Background(Binary.Applet("chpst"), ["-l", lockFile, "sleep", "5"], dir.Path, dir.Path, "holder");
        Assert.That(Run.Until(() => File.Exists(lockFile), 5000));
        // Created is not yet locked: wait until the kernel lists a lock on the file's inode.
        string inode = ":" + Run.Command("/usr/bin/stat", "-c", "%i", lockFile).Stdout.Trim() + " ";
        Assert.That(Run.Until(() => File.ReadAllLines("/proc/locks").Any(l => l.Contains(inode)), 5000), Is.True, "the holder never took the lock");

        var ours = Both(["-L", lockFile, "true"], out var theirs);

        Assert.That(theirs.ExitCode, Is.EqualTo(111));
        Assert.That(ours.ToString(), Is.EqualTo(theirs.ToString()));
        holder.Kill();
    }

    [Test, CancelAfter(20_000)]
    public void Daemontools_names_behave_like_runit_s()
    {
        using var dir = new TempDirectory();
        dir.Write("env/X", "1\n");
        var a = Run.Command(Binary.Applet("setuidgid"), "nobody", "id");
        var b = Run.Command(Runit, ["-u", "nobody", "id"]);
        Assert.That(a.ToString(), Is.EqualTo(b.ToString()));

        var env = Run.Command(Binary.Applet("envdir"), dir["env"], "sh", "-c", "echo $X");
        Assert.That(env.Stdout, Is.EqualTo("1\n"));

        var soft = Run.Command(Binary.Applet("softlimit"), "-o", "33", "-c", "=", "sh", "-c", "ulimit -n; ulimit -c");
        Assert.That(soft.Stdout, Is.EqualTo("33\n" + Run.Shell("ulimit -Hc").Stdout));

        var envuid = Run.Command(Binary.Applet("envuidgid"), "daemon", "sh", "-c", "echo $UID:$GID");
        Assert.That(envuid.Stdout, Is.EqualTo("1:1\n"));

        var usage = Run.Command(Binary.Applet("setuidgid"), "nobody");
        Assert.That(usage.ExitCode, Is.EqualTo(100));
        Assert.That(usage.Stderr, Does.StartWith("usage: setuidgid account child"));
    }
}
