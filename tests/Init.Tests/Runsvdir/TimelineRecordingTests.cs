using Init.Tests.Support;

namespace Init.Tests.Runsvdir;

/// <summary>
/// The supervisors' half of the boot timeline, under our runsvdir (the engine and a runsv per
/// service) with INIT_TIMELINE as PID 1 passes it: each service's start, readiness, stop and what
/// it waited on, in a file of its own outside supervise/; <c>init analyze</c> reads them back.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class TimelineRecordingTests
{
    /// <summary>Ready 300 ms after its start (s6's notification-fd).</summary>
    private const string ReadyAfter300ms = "#!/bin/sh\nsleep 0.3\necho >&3\nexec sleep 1000\n";

    private static string? Read(string file) => File.Exists(file) ? File.ReadAllText(file) : null;

    [TestCase("engine"), TestCase("process")]
    [CancelAfter(60_000)]
    public void Each_service_notes_its_start_readiness_stop_and_needs_and_init_analyze_finds_the_chain(string mode)
    {
        using var temp = new TempDirectory();
        foreach (string name in new[] { "db", "web" })
        {
            temp.Script($"service/{name}/run", ReadyAfter300ms);
            temp.Write($"service/{name}/notification-fd", "3\n");
        }
        temp.Write("service/web/dependencies.d/db", "");
        temp.Script("service/plain/run", "exec sleep 1000\n");
        temp.Script("service/plain/log/run", "exec cat >/dev/null\n");
        temp.Write("timeline/service-directory", temp["service"] + "\n");   // as PID 1 writes it
        var environment = new Dictionary<string, string?> { ["INIT_SUPERVISION"] = mode, ["INIT_TIMELINE"] = temp["timeline"] };
        var runsvdir = Run.Background(Binary.Applet("runsvdir"), [temp["service"]], temp.Path, temp.Path, "runsvdir", environment);
        try
        {
            Assert.That(Run.Until(() => Read(temp["timeline/service/web"])?.Contains("ready ") == true, 15_000), Is.True,
                Read(temp["timeline/service/web"]) + File.ReadAllText(temp["runsvdir.err"]));
            var analyze = Run.Command(Binary.Init, ["analyze"], environment: new Dictionary<string, string?> { ["INIT_TIMELINE"] = temp["timeline"] });
            Assert.That(Run.Command(Binary.Applet("sv"), "-w", "5", "down", temp["service/web"]).ExitCode, Is.Zero);
            Assert.That(Run.Until(() => Read(temp["timeline/service/web"])?.Contains("stop ") == true, 5_000), Is.True, Read(temp["timeline/service/web"]));

            string web = Read(temp["timeline/service/web"])!, db = Read(temp["timeline/service/db"])!, plain = Read(temp["timeline/service/plain"])!;
            Assert.Multiple(() =>
            {
                Assert.That(web, Does.Match(@"^needs db\nwaiting \d+\.\d{3}\nstart \d+\.\d{3}\nready \d+\.\d{3}\nstop \d+\.\d{3}\n$"), "web waited for db");
                Assert.That(db, Does.Match(@"^start \d+\.\d{3}\nready \d+\.\d{3}\n$"));
                Assert.That(plain, Does.Match(@"^start (\d+\.\d{3})\nready \1\n$"), "no readiness declared: ready at its start");
                Assert.That(Seconds(web, "start"), Is.GreaterThanOrEqualTo(Seconds(db, "ready")), "web started once db was ready");
                // Noted once posix_spawn returned (and ./run moved into its cgroup): a few ms after the script began its 300 ms.
                Assert.That(Seconds(web, "ready") - Seconds(web, "start"), Is.GreaterThanOrEqualTo(0.25));
                Assert.That(Directory.GetFiles(temp["timeline/service"]).Select(Path.GetFileName).Order(), Is.EqualTo(new[] { "db", "plain", "web" }), "no file for a logger");
                // Only the engine's cgroup path beside runit's files (plain has log/: no default logger's socket).
                string[] runits = ["control", "identity", "lock", "ok", "pid", "stat", "status"];
                Assert.That(SuperviseListing.Files(temp["service/plain/supervise"]),
                    Is.EqualTo(File.Exists(temp["service/plain/supervise/cgroup"]) && mode == "engine" ? runits.Append("cgroup").Order() : runits), "supervise/ holds what it always did");

                Assert.That(analyze.ExitCode, Is.Zero, analyze.ToString());
                foreach (string s in new[] { "db", "web", "plain" }) Assert.That(analyze.Stdout, Does.Match($@"\n +\d+ms  {s} +@\d+\.\d{{3}}s +@\d+\.\d{{3}}s"), analyze.Stdout);
                Assert.That(analyze.Stdout, Does.Match(@"critical chain \(what web, ready last.*\nweb @\d+\.\d{3}s \+\d+ms\n└─db @0\.\d{3}s \+\d+ms\n$"), analyze.Stdout);
            });
        }
        finally { RunsvdirTests.Stop(runsvdir); }
    }

    [Test, CancelAfter(30_000)]
    public void A_runsvdir_of_another_directory_writes_nothing_into_a_timeline_PID_1_made_for_its_own()
    {
        using var temp = new TempDirectory();
        temp.Script("user/web/run", "exec sleep 1000\n");
        temp.Write("timeline/service-directory", temp["service"] + "\n");   // the system's service directory, not user/
        Directory.CreateDirectory(temp["timeline/service"]);
        var runsvdir = Run.Background(Binary.Applet("runsvdir"), [temp["user"]], temp.Path, temp.Path, "runsvdir",
            new Dictionary<string, string?> { ["INIT_TIMELINE"] = temp["timeline"] });
        try
        {
            Assert.That(Run.Until(() => RunsvdirTests.Running(temp["user/web"]), 10_000), Is.True);
            Run.Never(() => Directory.GetFiles(temp["timeline/service"]).Length > 0, TimeSpan.FromMilliseconds(500), "a user service writing over the system's timeline");
        }
        finally { RunsvdirTests.Stop(runsvdir); }
    }

    [Test, CancelAfter(30_000)]
    public void A_FIFO_in_place_of_a_services_timeline_stalls_nothing_and_is_replaced_at_its_start()
    {
        using var temp = new TempDirectory();
        temp.Script("service/web/run", "exec sleep 1000\n");
        Directory.CreateDirectory(temp["timeline/service"]);
        Assert.That(Run.Command("/usr/bin/mkfifo", temp["timeline/service/web"]).ExitCode, Is.Zero);
        var runsvdir = Run.Background(Binary.Applet("runsvdir"), [temp["service"]], temp.Path, temp.Path, "runsvdir",
            new Dictionary<string, string?> { ["INIT_TIMELINE"] = temp["timeline"] });
        try
        {
            Assert.That(Run.Until(() => RunsvdirTests.Running(temp["service/web"]), 10_000), Is.True, "the supervisor read past it");
            // Read only once it is a plain file: the test itself would block on the FIFO.
            bool Plain() => Run.Command("/usr/bin/stat", "-c", "%F", temp["timeline/service/web"]).Stdout.Trim() == "regular file";
            Assert.That(Run.Until(() => Plain() && Read(temp["timeline/service/web"])?.StartsWith("start ") == true, 5_000), Is.True, "a plain file now");
        }
        finally { RunsvdirTests.Stop(runsvdir); }
    }

    private static double Seconds(string timeline, string field) =>
        double.Parse(timeline.Split('\n').Single(l => l.StartsWith(field + " ")).Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
}
