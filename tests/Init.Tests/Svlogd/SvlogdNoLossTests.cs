using System.Diagnostics;
using Init.Tests.Support;

namespace Init.Tests.Svlogd;

/// <summary>The logger never loses a line: a million lines through rotation, kill -9 under runsv, a full disk.</summary>
[TestFixture]
public sealed class SvlogdNoLossTests
{
    private static void AssertConsecutive(List<string> lines, int first, int last)
    {
        Assert.That(lines, Has.Count.EqualTo(last - first + 1));
        for (int i = 0; i < lines.Count; i++)
            if (lines[i] != (first + i).ToString())
                Assert.Fail($"line {i} is '{lines[i]}', expected {first + i}");
    }

    [Test, CancelAfter(60_000)]
    public void A_million_lines_rotated_every_100_KB_keep_the_last_five_archives_in_order()
    {
        using var dir = new TempDirectory();
        dir.Write("log/config", "s100000\nn5\n");

        var result = Run.Shell($"seq 1 1000000 | {Binary.Applet("svlogd")} log", dir.Path, timeoutMs: 50_000);

        Assert.That(result.ExitCode, Is.EqualTo(0), result.ToString());
        var archives = Directory.GetFiles(dir["log"], "@*");
        Assert.That(archives, Has.Length.EqualTo(5), "n5 keeps five archives, the others were dropped");
        Assert.That(archives.All(a => a.EndsWith(".s") && new FileInfo(a).Length <= 100_000 && new FileInfo(a).Length > 99_000));
        var lines = LogDirectorySnapshot.Lines(dir["log"]);
        int first = int.Parse(lines[0]);
        AssertConsecutive(lines, first, 1_000_000);
        // 6,888,896 bytes in ~99,000-byte files: the first kept line tells how many were dropped.
        Assert.That(first, Is.GreaterThan(900_000));
    }

    [Test, CancelAfter(60_000)]
    [Category("Reliability")]
    public void After_kill_9_under_runsv_every_line_that_reached_current_is_still_there()
    {
        using var dir = new TempDirectory();
        const int Total = 200_000;
        dir.Script("svc/run", $"i=1; while [ $i -le {Total} ]; do echo $i; i=$((i+1)); done\nexec sleep 600\n");
        dir.Script("svc/log/run", $"exec {Binary.Applet("svlogd")} ./main\n");
        dir.Write("svc/log/main/config", "s50000\nn0\n");
        using var supervised = new Supervised(dir["svc"]);
        string main = dir["svc/log/main"];
        Assert.That(Run.Until(() => LogDirectorySnapshot.Lines(main).Count > 5_000, 20_000), "the logger never got going");

        // Freeze the logger, record what it has acknowledged (written to its files), then kill it.
        var logger = supervised.Status(log: true);
        Run.Command("/bin/kill", "-STOP", logger.Pid.ToString());
        var acknowledged = LogDirectorySnapshot.Lines(main);
        Run.Command("/bin/kill", "-KILL", logger.Pid.ToString());
        Assert.That(acknowledged.Count, Is.LessThan(Total), "the writer finished before the kill: the test proved nothing");

        Assert.That(Run.Until(() => LogDirectorySnapshot.Lines(main).LastOrDefault() == Total.ToString(), 40_000), "the restarted logger never got the last line");
        var after = LogDirectorySnapshot.Lines(main);
        var numbers = after.Select(int.Parse).ToList();
        for (int i = 1; i < numbers.Count; i++) Assert.That(numbers[i], Is.GreaterThan(numbers[i - 1]), "lines out of order or doubled");
        var kept = new HashSet<string>(after);
        var missing = acknowledged.Where(l => !kept.Contains(l)).ToList();
        Assert.That(missing, Is.Empty, "acknowledged lines lost");
        TestContext.Out.WriteLine($"acknowledged before kill: {acknowledged.Count}; lost in flight (read, not yet written): {Total - after.Count}");
        Assert.That(Directory.GetFiles(main, "@*.u"), Is.Not.Empty, "the killed logger's current must be kept as .u");
        Reliability.Record("svlogd", $"kill -9 of svlogd under runsv while {Total:N0} numbered lines arrive at full speed", 1,
            "restarted by runsv; every line it had written kept, in order; its current kept as .u",
            lost: $"{Total - after.Count} (read, not yet written)", doubled: "0");
    }

    [Test, CancelAfter(60_000)]
    [Category("Reliability")]
    public void On_a_full_disk_svlogd_holds_the_writer_back_500ms_watched_and_loses_nothing_once_space_is_freed()
    {
        using var dir = new TempDirectory();
        Requires.Root("mounts a small tmpfs to fill");
        string mount = dir["tmpfs"];
        Directory.CreateDirectory(mount);
        var mounted = Run.Command("/bin/mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", mount);
        Assert.That(mounted.ExitCode, Is.EqualTo(0), mounted.ToString());
        try
        {
            Directory.CreateDirectory(Path.Combine(mount, "log"));
            string ballast = Path.Combine(mount, "ballast");
            File.WriteAllBytes(ballast, new byte[440 * 1024]);
            const int Lines = 40_000;   // ~230 KB: far more than the pipe and svlogd's buffer hold
            var info = new ProcessStartInfo("/bin/sh", ["-c", $"seq 1 {Lines} | {Binary.Applet("svlogd")} {Path.Combine(mount, "log")}; echo exit=$? >&2"])
            { RedirectStandardError = true, UseShellExecute = false };
            using var p = Process.Start(info)!;
            var stderr = new System.Text.StringBuilder();
            p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.Append(e.Data).Append('\n'); };
            p.BeginErrorReadLine();

            Assert.That(Run.Until(() => { lock (stderr) return stderr.ToString().Contains("svlogd: pausing: unable to write to current:"); }, 15_000),
                "svlogd did not report the full disk");
            Run.Never(() => p.HasExited, TimeSpan.FromMilliseconds(500), "the writer finishing on a full disk (it must be held back)");
            lock (stderr) Assert.That(stderr.ToString(), Does.Contain("out of disk space"));

            File.Delete(ballast);

            Assert.That(Run.WaitForExit(p, 20_000), Is.Not.Null, "svlogd did not resume after space was freed");
            lock (stderr) Assert.That(stderr.ToString(), Does.Contain("exit=0"));
            AssertConsecutive(LogDirectorySnapshot.Lines(Path.Combine(mount, "log")), 1, Lines);
            Reliability.Record("svlogd", $"full disk (512 KiB tmpfs) under {Lines:N0} lines, then space freed", 1,
                "\"pausing: out of disk space\", writer held back, resumed by itself", lost: "0", doubled: "0");
        }
        finally
        {
            Run.Command("/bin/umount", "-l", mount);
        }
    }

    [Test, CancelAfter(60_000)]
    public void A_failing_processor_is_retried_and_holds_the_writer_back_1s_watched_until_it_succeeds()
    {
        using var dir = new TempDirectory();
        dir.Write("log/config", "s2000\nn0\n!sh ./proc\n");
        dir.Write("log/proc", "[ -e fail ] && exit 1\ncat\n");
        dir.Write("log/fail", "");
        const int Lines = 30_000;   // ~170 KB: more than the pipe and svlogd's buffer hold
        var info = new ProcessStartInfo("/bin/sh", ["-c", $"seq 1 {Lines} | {Binary.Applet("svlogd")} log; echo exit=$? >&2"])
        { RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = dir.Path };
        using var p = Process.Start(info)!;
        var stderr = new System.Text.StringBuilder();
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (stderr) stderr.Append(e.Data).Append('\n'); };
        p.BeginErrorReadLine();

        Assert.That(Run.Until(() => { lock (stderr) return stderr.ToString().Contains("svlogd: warning: processor failed, restart: log"); }, 15_000));
        Run.Never(() => p.HasExited, TimeSpan.FromSeconds(1), "the writer finishing while the processor fails (it must wait)");
        Assert.That(Directory.GetFiles(dir["log"], "@*.u"), Has.Length.EqualTo(1), "one archive waits for its processor");

        File.Delete(dir["log/fail"]);

        Assert.That(Run.WaitForExit(p, 30_000), Is.Not.Null, "svlogd did not go on once the processor worked");
        Assert.That(Directory.GetFiles(dir["log"], "@*.u"), Is.Empty);
        AssertConsecutive(LogDirectorySnapshot.Lines(dir["log"]), 1, Lines);
    }
}
