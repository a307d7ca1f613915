using System.Diagnostics;
using Init.Tests.Support;

namespace Init.Tests.Svlogd;

/// <summary>SIGALRM rotates, SIGHUP re-reads config, SIGTERM finishes the line and exits 0 with current complete.</summary>
[TestFixture]
public sealed class SvlogdSignalTests
{
    private static Process Start(string dir, string logDir)
    {
        var info = new ProcessStartInfo(Binary.Applet("svlogd"), [logDir]) { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir };
        var p = Process.Start(info)!;
        p.BeginErrorReadLine();
        return p;
    }

    private static void Signal(Process p, string sig) => Run.Command("/bin/kill", "-" + sig, p.Id.ToString());

    [Test, CancelAfter(30_000)]
    public void Alarm_rotates_hangup_rereads_config_and_term_exits_cleanly()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir["log"]);
        using var p = Start(dir.Path, "log");
        p.StandardInput.Write("one\ntwo\n");
        p.StandardInput.Flush();
        Assert.That(Run.Until(() => File.ReadAllText(dir["log/current"]) == "one\ntwo\n", 5000));
        Assert.That(Convert.ToString((int)File.GetUnixFileMode(dir["log/current"]), 8), Is.EqualTo("644"), "current is 0644 while open");

        Signal(p, "ALRM");
        Assert.That(Run.Until(() => Directory.GetFiles(dir["log"], "@*.s").Length == 1, 5000), "ALRM did not rotate");
        Assert.That(File.ReadAllText(Directory.GetFiles(dir["log"], "@*.s")[0]), Is.EqualTo("one\ntwo\n"));

        dir.Write("log/config", "pnew: \n");
        Signal(p, "HUP");
        Thread.Sleep(300);
        p.StandardInput.Write("three\nfour-unfinished");
        p.StandardInput.Flush();
        Assert.That(Run.Until(() => File.ReadAllText(dir["log/current"]) == "new: three\n", 5000), "HUP did not re-read config");

        Signal(p, "TERM");
        Thread.Sleep(300);
        Assert.That(p.HasExited, Is.False, "TERM waits for the unfinished line");
        p.StandardInput.Write(" now\n");
        p.StandardInput.Flush();
        Assert.That(p.WaitForExit(5000), Is.True);
        Assert.That(p.ExitCode, Is.EqualTo(0));
        Assert.That(File.ReadAllText(dir["log/current"]), Is.EqualTo("new: three\nnew: four-unfinished now\n"));
        Assert.That(Convert.ToString((int)File.GetUnixFileMode(dir["log/current"]), 8), Is.EqualTo("744"), "a cleanly closed current is 0744");
    }

    [Test, CancelAfter(30_000)]
    public void An_unfinished_last_line_at_end_of_input_is_kept()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir["log"]);

        Run.Command(Binary.Applet("svlogd"), ["log"], dir.Path, stdin: "a\nno newline");

        // runit's svlogd drops it; we never lose a line.
        Assert.That(File.ReadAllText(dir["log/current"]), Is.EqualTo("a\nno newline\n"));
    }

    [Test, CancelAfter(30_000)]
    public void The_t_timeout_rotates_a_non_empty_current()
    {
        using var dir = new TempDirectory();
        dir.Write("log/config", "t1\n");
        using var p = Start(dir.Path, "log");
        p.StandardInput.Write("tick\n");
        p.StandardInput.Flush();

        Assert.That(Run.Until(() => Directory.GetFiles(dir["log"], "@*.s").Length == 1, 5000), "t1 did not rotate");
        Thread.Sleep(2500);
        Assert.That(Directory.GetFiles(dir["log"], "@*.s"), Has.Length.EqualTo(1), "an empty current is not rotated");
        p.StandardInput.Close();
        Assert.That(p.WaitForExit(5000));
    }
}
