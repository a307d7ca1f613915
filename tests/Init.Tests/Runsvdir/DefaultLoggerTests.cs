using System.Diagnostics;
using Init.Tests.Support;

namespace Init.Tests.Runsvdir;

/// <summary>
/// A service without <c>log/</c> under the engine (#16): its stdout and stderr come out of the
/// engine's stdout as <c>NAME: line</c>, and its last lines stay in a bounded ring that
/// <c>sv log</c> prints, whatever the service writes.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class DefaultLoggerTests
{
    private static Process StartEngine(TempDirectory temp, Dictionary<string, string?>? env = null) =>
        Run.Background(Binary.Applet("runsvdir"), [temp["service"]], temp.Path, temp.Path, "engine", env);

    private static RunResult SvLog(TempDirectory temp, params string[] args) =>
        Run.Command(Binary.Applet("sv"), ["log", .. args], temp.Path, new Dictionary<string, string?> { ["SVDIR"] = temp["service"] });

    private static string Tail(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        stream.Seek(Math.Max(0, stream.Length - 64), SeekOrigin.Begin);
        return new StreamReader(stream).ReadToEnd();
    }

    [Test, CancelAfter(120_000)]
    public void Garbage_does_not_grow_the_engine_the_collector_runs_long_before()
    {
        // Every sv log answer is a fresh 64 KiB snapshot of the ring, garbage once sent: 200 of them
        // are 12.5 MiB. The runtime's default first generation (sized from the L3 cache, ≈ 13 MiB here)
        // let the engine's RSS grow by all of it before a first collection; ours is 256 KiB.
        using var temp = new TempDirectory();
        temp.Script("service/talker/run", "#!/bin/sh\nseq 1 20000\nexec sleep 1000\n");
        var engine = StartEngine(temp);
        try
        {
            Assert.That(Run.Until(() => SvLog(temp, "talker", "-n", "1").Stdout == "20000\n", 20_000), Is.True, "the ring holds the last line");
            long before = Procs.AnonKiB(engine.Id);
            for (int i = 0; i < 200; i++)
                Assert.That(SvLog(temp, "talker", "-n", "100000000").Stdout.Length, Is.InRange(60 * 1024, 64 * 1024));
            long after = Procs.AnonKiB(engine.Id);
            TestContext.Out.WriteLine($"engine RssAnon {before} KiB before 200 snapshots of 64 KiB, {after} KiB after");
            Assert.That(after - before, Is.LessThan(4 * 1024), "12.5 MiB of garbage, collected as it came");
        }
        finally
        {
            RunsvdirTests.Stop(engine);
        }
    }

    [Test, CancelAfter(180_000)]
    public void A_million_lines_come_out_prefixed_and_in_order_while_the_engine_stays_small_and_sv_log_prints_the_last()
    {
        using var temp = new TempDirectory();
        temp.Script("service/loud/run", "#!/bin/sh\nwhile [ ! -e ../go ]; do sleep 0.05; done\nseq 1 1000000\necho done >&2\nexec sleep 1000\n");
        temp.Script("service/quiet/run", "#!/bin/sh\nexec sleep 1000\n");
        var engine = StartEngine(temp);
        try
        {
            Assert.That(Run.Until(() => File.Exists(temp["service/loud/supervise/log.sock"]) && File.Exists(temp["service/quiet/supervise/log.sock"]), 10_000), Is.True);
            Thread.Sleep(500);
            long idle = Procs.PssKiB(engine.Id);
            File.WriteAllText(temp["service/go"], "");
            // Waited for on the file's tail, not through sv log: each answer is a 64 KiB snapshot, garbage that PSS would count.
            Assert.That(Run.Until(() => Tail(temp["engine.out"]).EndsWith("loud: done\n"), 150_000), Is.True, Tail(temp["engine.out"]));
            long pss = Procs.PssKiB(engine.Id);
            TestContext.Out.WriteLine($"engine PSS: {idle} KiB idle, {pss} KiB after 1,000,000 lines through its default logger");

            Assert.That(SvLog(temp, "loud", "-n", "5").Stdout, Is.EqualTo("999997\n999998\n999999\n1000000\ndone\n"));
            Assert.That(SvLog(temp, "-n3", "loud").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(3));
            var all = SvLog(temp, "loud", "-n", "100000000").Stdout;
            Assert.That(all.Length, Is.InRange(60 * 1024, 64 * 1024), "the ring keeps 64 KiB by default, whatever was written");

            // Every line once, in order, prefixed with the service's name.
            var lines = File.ReadLines(temp["engine.out"]).Where(l => l.StartsWith("loud: ")).ToList();
            Assert.That(lines, Has.Count.EqualTo(1_000_001));
            for (int i = 0; i < 1_000_000; i++)
                if (lines[i] != $"loud: {i + 1}") Assert.Fail($"line {i + 1} is \"{lines[i]}\"");
            Assert.That(lines[^1], Is.EqualTo("loud: done"), "stderr too");
            Assert.That(pss - idle, Is.LessThan(2 * 1024), "memory stays bounded: the ring is a fixed buffer and lines are not allocated");
        }
        finally
        {
            RunsvdirTests.Stop(engine);
        }
    }

    [Test, CancelAfter(60_000)]
    public void Sv_log_says_why_there_are_no_lines_and_a_service_with_log_keeps_runits_way()
    {
        using var temp = new TempDirectory();
        temp.Script("service/plain/run", "#!/bin/sh\necho hello from plain\nexec sleep 1000\n");
        temp.Script("service/logged/run", "#!/bin/sh\necho to the logger\necho to stderr >&2\nexec sleep 1000\n");
        temp.Script("service/logged/log/run", $"#!/bin/sh\nexec cat > {temp["logged.lines"]}\n");
        var engine = StartEngine(temp);
        try
        {
            Assert.That(Run.Until(() => File.ReadAllText(temp["engine.out"]).Contains("plain: hello from plain"), 10_000), Is.True, File.ReadAllText(temp["engine.out"]));
            Assert.That(Run.Until(() => File.Exists(temp["logged.lines"]) && File.ReadAllText(temp["logged.lines"]) == "to the logger\n", 10_000), Is.True);
            Assert.That(Run.Until(() => File.ReadAllText(temp["engine.err"]).Contains("to stderr"), 10_000), Is.True, "log/'s service: stderr is the engine's, as under runit");
            Assert.That(File.ReadAllText(temp["engine.err"]), Does.Not.Contain("logged: to stderr"));

            var withLog = SvLog(temp, "logged");
            Assert.That(withLog.ExitCode, Is.EqualTo(1));
            Assert.That(withLog.Stderr, Is.EqualTo("fail: logged: it has log/: its lines are in its logger's files, not kept by the engine\n"));
            var missing = SvLog(temp, "nosuch");
            Assert.That(missing.ExitCode, Is.EqualTo(1));
            Assert.That(missing.Stderr, Does.StartWith("fail: nosuch: unable to change to service directory"));
            var usage = SvLog(temp, "plain", "-n", "x");
            Assert.That(usage.ExitCode, Is.EqualTo(100));
            Assert.That(usage.Stderr, Does.StartWith("usage: sv log SERVICE [-n LINES]"));
        }
        finally
        {
            RunsvdirTests.Stop(engine);
        }
        var gone = SvLog(temp, "plain");
        Assert.That(gone.ExitCode, Is.EqualTo(1), "nobody answers once the engine is gone");
        Assert.That(gone.Stderr, Does.StartWith("fail: plain: no lines kept: no engine's default logger answers"));
    }

    [Test, CancelAfter(60_000)]
    public void INIT_LOGRING_off_leaves_the_output_as_runits_runsvdir_does()
    {
        using var temp = new TempDirectory();
        temp.Script("service/plain/run", "#!/bin/sh\necho hello from plain\nexec sleep 1000\n");
        var engine = StartEngine(temp, new Dictionary<string, string?> { ["INIT_LOGRING"] = "off" });
        try
        {
            Assert.That(Run.Until(() => File.ReadAllText(temp["engine.out"]).Contains("hello from plain"), 10_000), Is.True);
            Assert.That(File.ReadAllText(temp["engine.out"]), Is.EqualTo("hello from plain\n"), "inherited, not prefixed");
            Assert.That(SvLog(temp, "plain").ExitCode, Is.EqualTo(1));
        }
        finally
        {
            RunsvdirTests.Stop(engine);
        }
    }

    [Test, CancelAfter(30_000)]
    public void In_a_container_the_services_lines_reach_its_stdout_prefixed()
    {
        Requires.PidNamespaces();
        using var dir = new TempDirectory();
        dir.Script("service/web/run", "#!/bin/sh\necho listening on 8080\nexec sleep 1000\n");
        dir.Script("service/db/run", "#!/bin/sh\necho ready for connections >&2\nexec sleep 1000\n");
        const string main = "for i in $(seq 100); do [ -S service/web/supervise/log.sock ] && [ -S service/db/supervise/log.sock ] && break; sleep 0.05; done; sleep 0.5; exit 3";

        var r = Run.Command("/usr/bin/unshare", ["--fork", "--pid", "--mount-proc", Binary.Init, "--services", dir["service"], "--", "/bin/sh", "-c", main],
            dir.Path, new Dictionary<string, string?> { ["INIT_StopGraceSeconds"] = "1" });

        Assert.That(r.ExitCode, Is.EqualTo(3), r.ToString());
        Assert.That(r.Stdout, Does.Contain("web: listening on 8080\n").And.Contain("db: ready for connections\n"), r.ToString());

        // The LogRing setting reaches the engine through PID 1: off is runit's way, unprefixed.
        const string plain = "for i in $(seq 100); do [ -s service/web/supervise/pid ] && break; sleep 0.05; done; sleep 0.5; exit 3";
        var off = Run.Command("/usr/bin/unshare", ["--fork", "--pid", "--mount-proc", Binary.Init, "--services", dir["service"], "--", "/bin/sh", "-c", plain],
            dir.Path, new Dictionary<string, string?> { ["INIT_StopGraceSeconds"] = "1", ["INIT_LogRing"] = "off" });
        Assert.That(off.ExitCode, Is.EqualTo(3), off.ToString());
        Assert.That(off.Stdout, Does.Contain("listening on 8080\n").And.Not.Contain("web: "), off.ToString());
    }
}
