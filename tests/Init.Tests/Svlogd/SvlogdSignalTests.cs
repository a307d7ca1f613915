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

    [TestCase("exit 1", 1_500)]
    [TestCase("sleep 1; exit 1", 2_500)]
    [CancelAfter(30_000)]
    public void Term_ends_svlogd_while_its_processor_keeps_failing_within_a_bound_and_keeps_every_line_read(string processor, int boundMs)
    {
        using var dir = new TempDirectory();
        dir.Write("log/config", "s2000\nn0\n!sh ./proc\n");
        dir.Write("log/proc", processor + "\n");
        const int Lines = 3000;   // ~14 KB: rotations every 2 KB, the second waits for the failing processor
        dir.Write("input", string.Concat(Enumerable.Range(1, Lines).Select(i => i + "\n")));
        // One open file shared by svlogd and the cat after it: what svlogd did not read, cat copies to "rest".
        string script = $"exec 3<input; {Binary.Applet("svlogd")} log <&3 & echo $!; wait $!; echo exit=$? >&2; cat <&3 >rest";
        var info = new ProcessStartInfo("/bin/sh", ["-c", script])
        { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir.Path };
        using var p = Process.Start(info)!;
        var stderr = new System.Text.StringBuilder();
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.Append(e.Data).Append('\n'); };
        p.BeginErrorReadLine();
        string svlogd = p.StandardOutput.ReadLine()!;
        string Stderr() { lock (stderr) return stderr.ToString(); }
        try
        {
            Assert.That(Run.Until(() => Stderr().Contains("svlogd: warning: processor failed, restart: log\n"), 15_000), Is.True, Stderr());

            var clock = Stopwatch.StartNew();
            Run.Command("/bin/kill", "-TERM", svlogd);
            Assert.That(Run.Until(() => Stderr().Contains("exit="), boundMs), Is.True, $"svlogd still running {boundMs} ms after TERM:\n{Stderr()}");
            TestContext.Out.WriteLine($"exited {clock.ElapsedMilliseconds} ms after TERM");

            Assert.That(Run.WaitForExit(p, 5000), Is.Not.Null);
            Assert.That(Stderr(), Does.Contain("exit=0\n"));
            Assert.That(Directory.GetFiles(dir["log"], "@*.u"), Is.Not.Empty, "what was not processed stays unprocessed");
            Assert.That(Directory.GetFiles(dir["log"], "@*.t"), Is.Empty, "no processor leftovers");
            var lines = LogDirectorySnapshot.Lines(dir["log"]).Concat(File.ReadAllLines(dir["rest"])).ToList();
            Assert.That(lines, Is.EqualTo(Enumerable.Range(1, Lines).Select(i => i.ToString())), "every line read is kept, in order");
        }
        finally
        {
            if (!p.HasExited) Run.Command("/bin/kill", "-9", svlogd);
        }
    }
}
