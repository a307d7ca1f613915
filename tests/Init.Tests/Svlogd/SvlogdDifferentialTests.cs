using System.Text;
using Init.Tests.Support;

namespace Init.Tests.Svlogd;

/// <summary>Our svlogd and Debian's /usr/bin/svlogd on the same input: the same files with the same contents.</summary>
[TestFixture]
public sealed class SvlogdDifferentialTests
{
    private const string Runit = "/usr/bin/svlogd";

    private static string Input()
    {
        var s = new StringBuilder();
        for (int i = 1; i <= 400; i++)
        {
            s.Append($"line {i} of the test\n");
            if (i % 7 == 0) s.Append($"debug {i} noisy\n");
            if (i % 9 == 0) s.Append($"error {i} with \u0001 control\tand tab\n");
            if (i % 50 == 0) s.Append(new string('x', 150 + i)).Append('\n');
            if (i % 60 == 0) s.Append('\n');
        }
        return s.ToString();
    }

    /// <summary>Runs both loggers on the same input and config; returns (ours, theirs) as snapshots and stderr.</summary>
    private static (string Ours, string Theirs, RunResult OurRun, RunResult TheirRun) Compare(string config, string[] options, string input, Func<string, string>? normalize = null)
    {
        using var dir = new TempDirectory();
        dir.Write("ours/config", config);
        dir.Write("theirs/config", config);
        var theirs = Run.Command(Runit, [.. options, "theirs"], dir.Path, stdin: input);
        var ours = Run.Command(Binary.Applet("svlogd"), [.. options, "ours"], dir.Path, stdin: input);
        return (LogDirectorySnapshot.Of(dir["ours"], normalize), LogDirectorySnapshot.Of(dir["theirs"], normalize), ours, theirs);
    }

    [TestCase("s500\nn4\n")]
    [TestCase("s1000\nn0\n-*debug*\n")]
    [TestCase("s700\nn3\npweb: \n-*\n+line*\n+error*\n")]
    [TestCase("s0\n")]
    [TestCase("s64\nn2\n")]                      // smaller than a line: split mid-line as runit does
    [TestCase("s2k\nn10\nN5\nE*\ne*error*\n")]
    [CancelAfter(30_000)]
    public void The_same_files_with_the_same_contents(string config)
    {
        var (ours, theirs, ourRun, theirRun) = Compare(config, [], Input());

        Assert.That(theirRun.ExitCode, Is.EqualTo(0), theirRun.ToString());
        Assert.That(ourRun.ExitCode, Is.EqualTo(0), ourRun.ToString());
        Assert.That(ours, Is.EqualTo(theirs));
        Assert.That(ourRun.Stderr, Is.EqualTo(theirRun.Stderr));
    }

    [TestCase("-r", "_")]
    [TestCase("-R", "ae")]
    [TestCase("-r", "#", "-R", "xy")]
    [TestCase("-l", "40", "-b", "41")]
    [TestCase("-l", "20", "-b", "100", "-r", "?")]
    [CancelAfter(30_000)]
    public void Options_change_lines_as_runit_s_do(params string[] options)
    {
        var (ours, theirs, ourRun, theirRun) = Compare("s3000\nn5\ne*error*\ne*xxxx*\n", options, Input());

        Assert.That(ours, Is.EqualTo(theirs));
        Assert.That(ourRun.Stderr, Is.EqualTo(theirRun.Stderr));
    }

    [TestCase("-t")]
    [TestCase("-tt")]
    [TestCase("-ttt")]
    [CancelAfter(30_000)]
    public void Timestamps_have_runit_s_forms(string option)
    {
        var (ours, theirs, _, _) = Compare("s2000\nn5\npP \n", [option], Input(), LogDirectorySnapshot.WithoutStamps);

        Assert.That(ours, Is.EqualTo(theirs));
        Assert.That(ours, Does.Contain("STAMP P line 400 of the test\n"));
    }

    [Test, CancelAfter(30_000)]
    public void A_processor_gets_the_same_input_state_and_output_files()
    {
        // n0: Debian's 2.1.2 keeps one more archive than 2.3.0 when a processor runs; keep all here.
        var (ours, theirs, _, _) = Compare("s1500\nn0\n!tr a-z A-Z; (cat <&4; echo run) >&5\n", [], Input());

        Assert.That(ours, Is.EqualTo(theirs));
        Assert.That(ours, Does.Contain("== @*.s 744\nLINE 1 OF THE TEST"));
        Assert.That(ours, Does.Contain("== state 644\nrun\nrun\n"));
    }

    [Test, CancelAfter(30_000)]
    public void An_unfinished_current_becomes_an_unprocessed_archive_at_start()
    {
        using var dir = new TempDirectory();
        foreach (var d in new[] { "ours", "theirs" })
        {
            dir.Write(d + "/current", "left over\n");
            File.SetUnixFileMode(dir[d + "/current"], (UnixFileMode)0b110_100_100);
        }
        Run.Command(Runit, ["theirs"], dir.Path, stdin: "new\n");
        Run.Command(Binary.Applet("svlogd"), ["ours"], dir.Path, stdin: "new\n");

        Assert.That(LogDirectorySnapshot.Of(dir["ours"]), Is.EqualTo(LogDirectorySnapshot.Of(dir["theirs"])));
        Assert.That(LogDirectorySnapshot.Of(dir["ours"]), Is.EqualTo("== @*.u 644\nleft over\n== current 744\nnew\n"));
    }

    [Test, CancelAfter(30_000)]
    public void Usage_and_unusable_directories_fail_like_runit()
    {
        var ours = Run.Command(Binary.Applet("svlogd"), "/nonexistent/dir");
        var theirs = Run.Command(Runit, "/nonexistent/dir");
        Assert.That((ours.ExitCode, ours.Stderr), Is.EqualTo((theirs.ExitCode, theirs.Stderr)));

        var usage = Run.Command(Binary.Applet("svlogd"), "-l", "2000", "x");
        var theirUsage = Run.Command(Runit, "-l", "2000", "x");
        Assert.That(usage.ExitCode, Is.EqualTo(theirUsage.ExitCode).And.EqualTo(111));
        Assert.That(usage.Stderr, Is.EqualTo(theirUsage.Stderr.Replace(Runit, Binary.Applet("svlogd"))), "the program named as it was called");
        Assert.That(Run.Command(Binary.Init, "svlogd").Stderr, Does.StartWith("usage: svlogd [-ttv]"), "init svlogd: the applet's name");
    }
}
