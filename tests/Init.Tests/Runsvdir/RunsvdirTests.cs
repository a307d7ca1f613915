using System.Diagnostics;
using Init.Supervision;
using Init.Tests.Support;

namespace Init.Tests.Runsvdir;

/// <summary>
/// runsvdir in per-process mode against its spec: one runsv per service directory, started at
/// once, rescanned on change (the engine, the default, is <see cref="RunsvdirEngineTests"/>).
/// </summary>
[Parallelizable(ParallelScope.None)]
public class RunsvdirTests
{
    private const string Sleeper = "#!/bin/sh\nexec sleep 1000\n";

    /// <summary>What selects a runsv process per service.</summary>
    public static readonly Dictionary<string, string?> ProcessMode = new() { ["INIT_SUPERVISION"] = "process" };

    private static Process Start(TempDirectory temp, string scanned, string runsvdir, params string[] extra) =>
        Run.Background(runsvdir, [.. extra, scanned], temp.Path, temp.Path, "runsvdir", ProcessMode);

    internal static bool Running(string serviceDir) =>
        StatusRecord.TryRead(ReadStatus(serviceDir), out var r) && r.State == RunState.Run && r.Pid != 0;

    private static byte[] ReadStatus(string serviceDir)
    {
        try { return File.ReadAllBytes(Path.Combine(serviceDir, "supervise/status")); }
        catch (IOException) { return []; }
    }

    /// <summary>Stops runsvdir with <paramref name="signal"/>, and with SIGKILL when it has not exited 5 s later (no test leaves one behind).</summary>
    internal static void Stop(Process runsvdir, int signal = 1)
    {
        if (!runsvdir.HasExited) Run.Kill(runsvdir, signal);
        if (!runsvdir.WaitForExit(5000)) Run.Kill(runsvdir, 9);
        runsvdir.WaitForExit(5000);
    }

    /// <summary>Milliseconds from linking <paramref name="serviceDir"/> into <paramref name="scanned"/> until it runs.</summary>
    private static long LinkAndTime(string scanned, string serviceDir, int timeoutMs)
    {
        var sw = Stopwatch.StartNew();
        File.CreateSymbolicLink(Path.Combine(scanned, Path.GetFileName(serviceDir)), serviceDir);
        // Polled every 2 ms (not Run.Until's 20): the latency is the measurement.
        while (sw.ElapsedMilliseconds < timeoutMs && !Running(serviceDir)) Thread.Sleep(2);
        return Running(serviceDir) ? sw.ElapsedMilliseconds : -1;
    }

    [Test, CancelAfter(60_000)]
    public void A_service_linked_into_the_directory_runs_at_once_and_stops_when_the_link_is_removed()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp["ours"]);
        Directory.CreateDirectory(temp["runit"]);
        temp.Script("ours-probe/run", Sleeper);
        temp.Script("runit-probe/run", Sleeper);
        temp.Script("web/run", Sleeper);
        temp.Script("runit-web/run", Sleeper);
        File.CreateSymbolicLink(temp["ours/probe"], temp["ours-probe"]);
        File.CreateSymbolicLink(temp["runit/probe"], temp["runit-probe"]);
        var ours = Start(temp, temp["ours"], Binary.Applet("runsvdir"));
        var theirs = Run.Background("/usr/bin/runsvdir", [temp["runit"]], temp.Path, temp.Path, "runit-runsvdir");
        try
        {
            // The probes running means the first scans are done (and ours watches the directory).
            Assert.That(Run.Until(() => Running(temp["ours-probe"]) && Running(temp["runit-probe"]), 10_000), Is.True, "probe never ran");
            // runit's runsvdir notices a change by the directory's mtime in whole seconds: link in a later second.
            long scanned = Math.Max(new DirectoryInfo(temp["ours"]).LastWriteTimeUtc.Ticks, new DirectoryInfo(temp["runit"]).LastWriteTimeUtc.Ticks) / TimeSpan.TicksPerSecond;
            Assert.That(Run.Until(() => DateTime.UtcNow.Ticks / TimeSpan.TicksPerSecond > scanned, 2_000), Is.True);

            long oursMs = LinkAndTime(temp["ours"], temp["web"], 5_000);
            long runitMs = LinkAndTime(temp["runit"], temp["runit-web"], 7_000);
            TestContext.Out.WriteLine($"linked service running after: ours {oursMs} ms, runit's runsvdir {runitMs} ms");
            Assert.That(oursMs, Is.InRange(0, 2_000), "ours must start a linked service at once (inotify)");

            int runsvPid = Procs.ChildrenOf(ours.Id).Single(p => Procs.Arguments(p.Pid).SequenceEqual(["runsv", "web"])).Pid;
            File.Delete(temp["ours/web"]);
            Assert.That(Run.Until(() => Procs.Ended(runsvPid) && !Running(temp["web"]), 5_000), Is.True, "removed service's runsv was not stopped");
            Assert.That(StatusRecord.TryRead(ReadStatus(temp["web"]), out var last) && last.State == RunState.Down, Is.True,
                "runsv wrote the final down status into the service's own directory");
        }
        finally
        {
            Stop(ours);
            Stop(theirs);
        }
    }

    [Test, CancelAfter(120_000)]
    public void Two_hundred_services_all_run_and_sighup_brings_them_all_down_without_leaks()
    {
        using var temp = new TempDirectory();
        const int Count = 200;
        for (int i = 0; i < Count; i++) temp.Script($"service/s{i:000}/run", Sleeper);
        Directory.CreateDirectory(temp["service/.hidden"]);
        temp.Write("service/not-a-directory", "");
        var runsvdir = Start(temp, temp["service"], Binary.Applet("runsvdir"));
        try
        {
            var sw = Stopwatch.StartNew();
            Assert.That(Run.Until(() => Enumerable.Range(0, Count).All(i => Running(temp[$"service/s{i:000}"])), 60_000), Is.True,
                "not every service reached run");
            TestContext.Out.WriteLine($"{Count} services running after {sw.ElapsedMilliseconds} ms");

            var runsvs = Procs.ChildrenOf(runsvdir.Id);
            Assert.That(runsvs, Has.Count.EqualTo(Count), "exactly one runsv per service directory (dot-names and files skipped)");
            Assert.That(runsvs.All(p => Procs.Arguments(p.Pid)[0] == "runsv"), Is.True, "started as runsv");
            // Services inherit nothing beyond stdio, runsvdir holds one pidfd per runsv and little else.
            var service = Procs.ChildrenOf(runsvs[0].Pid).Single();
            Assert.That(Procs.Fds(service.Pid), Is.EqualTo(new[] { "0", "1", "2" }), "service fds");
            int runsvdirFds = Procs.Fds(runsvdir.Id).Length;
            TestContext.Out.WriteLine($"runsvdir holds {runsvdirFds} fds for {Count} runsv");
            Assert.That(runsvdirFds, Is.LessThan(Count + 30));

            // Killed runsv are reaped (no zombies) and restarted.
            foreach (var p in runsvs.Take(20)) Run.Shell($"kill -9 {p.Pid}");
            Assert.That(Run.Until(() => Procs.ChildrenOf(runsvdir.Id) is var now && now.Count == Count
                && now.All(p => p.State != 'Z') && runsvs.Take(20).All(p => Procs.Ended(p.Pid)), 10_000), Is.True,
                "killed runsv were not reaped and restarted");

            var all = Procs.ChildrenOf(runsvdir.Id).Select(p => p.Pid).ToList();
            Run.Kill(runsvdir, 1);
            Assert.That(runsvdir.WaitForExit(5_000), Is.True);
            Assert.That(runsvdir.ExitCode, Is.EqualTo(111), "SIGHUP: exit 111");
            Assert.That(Run.Until(() => all.All(Procs.Ended), 20_000), Is.True, "every runsv ended after SIGHUP");
            Assert.That(Run.Until(() => Enumerable.Range(0, Count).All(i => !Running(temp[$"service/s{i:000}"])), 10_000), Is.True,
                "every service went down");
        }
        finally
        {
            Stop(runsvdir);
        }
    }

    [Test, CancelAfter(30_000)]
    public void Sigterm_exits_0_and_leaves_the_runsv_processes_running()
    {
        using var temp = new TempDirectory();
        temp.Script("service/a/run", Sleeper);
        var runsvdir = Start(temp, temp["service"], Binary.Applet("runsvdir"));
        Assert.That(Run.Until(() => Running(temp["service/a"]), 10_000), Is.True);
        var child = Procs.ChildrenOf(runsvdir.Id).Single();
        int runsv = child.Pid;
        Assert.That(child.Group, Is.EqualTo(Procs.Read(runsvdir.Id)!.Value.Group), "without -P runsv stays in runsvdir's process group");

        Run.Kill(runsvdir, 15);

        Assert.That(runsvdir.WaitForExit(5_000), Is.True);
        Assert.That(runsvdir.ExitCode, Is.EqualTo(0));
        Assert.That(Procs.Ended(runsv), Is.False, "runsv must survive runsvdir's SIGTERM");
        Run.Command(Binary.Applet("sv"), "-w", "5", "exit", temp["service/a"]);
        Assert.That(Run.Until(() => Procs.Ended(runsv), 5_000), Is.True);
    }

    [Test, CancelAfter(30_000)]
    public void A_runsv_that_dies_at_once_is_restarted_at_most_once_a_second()
    {
        using var temp = new TempDirectory();
        temp.Script("service/broken/run", Sleeper);
        Directory.CreateDirectory(temp["service/broken/supervise"]);
        temp.Write("service/broken/supervise/control", "not a fifo"); // runsv dies: "control exists but is not a fifo"
        var runsvdir = Start(temp, temp["service"], Binary.Applet("runsvdir"));
        try
        {
            int Starts() => File.ReadAllText(temp["runsvdir.err"]).Split('\n').Count(l => l.Contains("not a fifo"));
            var arrivals = Run.Arrivals(Starts, 3);
            string errors = File.ReadAllText(temp["runsvdir.err"]);
            TestContext.Out.WriteLine(errors);
            Assert.That(arrivals.Zip(arrivals.Skip(1), (a, b) => b - a), Has.All.InRange(700, 2_000), "one start a second, not a busy loop, nor slower");
            Assert.That(errors.Split('\n').Where(l => l.Length > 0), Has.All.StartsWith("runsv broken: fatal: "));
        }
        finally
        {
            Stop(runsvdir);
        }
    }

    [Test, CancelAfter(30_000)]
    public void The_log_argument_shows_the_latest_error_bytes_in_ps_and_P_gives_each_runsv_its_own_session()
    {
        using var temp = new TempDirectory();
        temp.Script("service/noisy/run", "#!/bin/sh\necho 'noisy: something broke' >&2\nexec sleep 1000\n");
        string log = "log: " + new string('.', 40);
        // An argument after the log is ignored, as by runit's runsvdir.
        var runsvdir = Run.Background(Binary.Applet("runsvdir"), ["-P", temp["service"], log, "extra"], temp.Path, temp.Path, "runsvdir", ProcessMode);
        try
        {
            // Until runsvdir has exec'd, its cmdline is empty (or still the test host's): no [^2] yet.
            Assert.That(Run.Until(() => Procs.Arguments(runsvdir.Id) is { Length: >= 2 } args && args[^2].Contains("something broke"), 10_000), Is.True,
                "ps never showed the error: " + string.Join(' ', Procs.Arguments(runsvdir.Id)));
            string shown = Procs.Arguments(runsvdir.Id)[^2];
            Assert.That(shown, Has.Length.EqualTo(log.Length), "the argument keeps its length");
            Assert.That(shown, Does.StartWith("log: "));
            var runsv = Procs.ChildrenOf(runsvdir.Id).Single();
            Assert.That(runsv.Session, Is.EqualTo(runsv.Pid), "-P: runsv leads its own session");
        }
        finally
        {
            Stop(runsvdir);
        }
    }

    [Test, CancelAfter(10_000)]
    public void Without_a_directory_it_prints_runits_usage_and_exits_1()
    {
        var ours = Run.Command(Binary.Applet("runsvdir"));
        var theirs = Run.Command("/usr/bin/runsvdir");

        Assert.That(ours.ExitCode, Is.EqualTo(1));
        Assert.That(ours.Stderr, Is.EqualTo(theirs.Stderr.Replace("/usr/bin/runsvdir", Binary.Applet("runsvdir"))));
    }
}
