using System.Diagnostics;
using Init.Tests.Support;

namespace Init.Tests.Svlogd;

/// <summary>SIGALRM rotates, SIGHUP re-reads config, SIGTERM finishes the line and exits 0 with current complete.</summary>
[TestFixture]
public sealed class SvlogdSignalTests
{
    /// <summary>Starts svlogd -v: its "info:" lines on stderr say when a signal has been acted on.</summary>
    private static Process Start(string dir, string logDir, out Func<string> stderr)
    {
        var info = new ProcessStartInfo(Binary.Applet("svlogd"), ["-v", logDir]) { RedirectStandardInput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir };
        var p = Process.Start(info)!;
        var text = new System.Text.StringBuilder();
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (text) text.Append(e.Data).Append('\n'); };
        p.BeginErrorReadLine();
        stderr = () => { lock (text) return text.ToString(); };
        return p;
    }

    private static void Signal(Process p, string sig) => Run.Command("/bin/kill", "-" + sig, p.Id.ToString());

    [Test, CancelAfter(30_000)]
    public void Alarm_rotates_hangup_rereads_config_and_term_waits_for_the_unfinished_line_watched_for_500ms()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir["log"]);
        using var p = Start(dir.Path, "log", out var stderr);
        p.StandardInput.Write("one\ntwo\n");
        p.StandardInput.Flush();
        Assert.That(Run.Until(() => File.ReadAllText(dir["log/current"]) == "one\ntwo\n", 5000));
        Assert.That(Convert.ToString((int)File.GetUnixFileMode(dir["log/current"]), 8), Is.EqualTo("644"), "current is 0644 while open");

        Signal(p, "ALRM");
        Assert.That(Run.Until(() => Directory.GetFiles(dir["log"], "@*.s").Length == 1, 5000), "ALRM did not rotate");
        Assert.That(File.ReadAllText(Directory.GetFiles(dir["log"], "@*.s")[0]), Is.EqualTo("one\ntwo\n"));

        dir.Write("log/config", "pnew: \n");
        Signal(p, "HUP");
        // Reopened: the config read and current opened again after the close (nothing is read from stdin in between).
        Assert.That(Run.Until(() => stderr() is var e && e.IndexOf("svlogd: info: close: log\n") is >= 0 and var closed
            && e.IndexOf("svlogd: info: append: log/current\n", closed) > closed, 5000), Is.True, "HUP never reopened the directory:\n" + stderr());
        Assert.That(stderr(), Does.Contain("svlogd: info: read: log/config\n"));
        p.StandardInput.Write("three\nfour-unfinished");
        p.StandardInput.Flush();
        Assert.That(Run.Until(() => File.ReadAllText(dir["log/current"]) == "new: three\n", 5000), "HUP did not re-read config");

        Signal(p, "TERM");
        Assert.That(Run.Until(() => stderr().Contains("svlogd: info: sigterm received.\n"), 5000), Is.True, "TERM never arrived");
        Run.Never(() => p.HasExited, TimeSpan.FromMilliseconds(500), "svlogd exiting on TERM in the middle of a line");
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
    public void The_t_timeout_rotates_a_non_empty_current_and_no_empty_one_within_2500ms()
    {
        using var dir = new TempDirectory();
        dir.Write("log/config", "t1\n");
        using var p = Start(dir.Path, "log", out _);
        p.StandardInput.Write("tick\n");
        p.StandardInput.Flush();

        Assert.That(Run.Until(() => Directory.GetFiles(dir["log"], "@*.s").Length == 1, 5000), "t1 did not rotate");
        // t1: the timer comes due twice in 2.5 s; a rotation of the empty current would show as a second archive.
        Run.Never(() => Directory.GetFiles(dir["log"], "@*.s").Length > 1, TimeSpan.FromMilliseconds(2500), "a rotation of an empty current");
        p.StandardInput.Close();
        Assert.That(p.WaitForExit(5000));
    }
}
