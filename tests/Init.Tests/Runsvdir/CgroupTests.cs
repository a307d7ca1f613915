using System.Diagnostics;
using System.Text.Json;
using Init.Tests.Support;

namespace Init.Tests.Runsvdir;

/// <summary>
/// Every process of a service, not only ./run, under the engine: on this machine's cgroup v2
/// (the hybrid layout's, without controllers) each service runs in a cgroup of its own; with
/// INIT_CGROUPS=off the engine follows the process tree instead. Either way a double-forked
/// <c>setsid</c> grandchild is stopped by <c>sv down</c>, frozen by <c>sv pause</c>, and killed
/// when ./run exits (runit's runsv leaves it running: the reason for all this).
/// </summary>
[Parallelizable(ParallelScope.None)]
public class CgroupTests
{
    /// <summary>./run leaves a grandchild in a session of its own, re-parented away from it, that ticks into ../ticks.</summary>
    private const string DoubleForker = """
        #!/bin/sh
        sh -c 'setsid sh -c "echo \$\$ > ../grandchild; while :; do echo x >> ../ticks; sleep 0.05; done" & exit 0'
        exec sleep 1000
        """;

    private static Process StartEngine(TempDirectory temp, string mode) =>
        Run.Background(Binary.Applet("runsvdir"), [temp["service"]], temp.Path, temp.Path, "engine",
            new Dictionary<string, string?> { ["INIT_CGROUPS"] = mode });

    private static RunResult Sv(params string[] args) => Run.Command(Supervised.RunitSv, args, timeoutMs: 60_000);

    private static int ReadPid(string file)
    {
        try { return int.TryParse(File.ReadAllText(file).Trim(), out int pid) ? pid : 0; }
        catch (IOException) { return 0; }
    }

    private static int Ticks(TempDirectory temp)
    {
        try { return File.ReadAllLines(temp["service/ticks"]).Length; }
        catch (IOException) { return 0; }
    }

    private static bool Ticking(TempDirectory temp)
    {
        int before = Ticks(temp);
        Thread.Sleep(400);
        return Ticks(temp) > before;
    }

    [TestCase("auto"), CancelAfter(60_000)]
    [TestCase("off")]
    public void Sv_down_pause_and_cont_reach_a_double_forked_setsid_grandchild(string mode)
    {
        if (mode == "auto") Requires.Cgroup2();
        using var temp = new TempDirectory();
        temp.Script("service/web/run", DoubleForker);
        var engine = StartEngine(temp, mode);
        try
        {
            Assert.That(Run.Until(() => ReadPid(temp["service/grandchild"]) > 0 && Ticks(temp) > 0, 10_000), Is.True, "the grandchild never started");
            int grandchild = ReadPid(temp["service/grandchild"]);
            int run = ReadPid(temp["service/web/supervise/pid"]);
            var info = Procs.Read(grandchild);
            Assert.That(info, Is.Not.Null);
            Assert.That(info!.Value.Session, Is.EqualTo(grandchild), "a session of its own");
            Assert.That(info.Value.ParentPid, Is.Not.EqualTo(run), "re-parented: ./run's children do not include it");
            string cgroup = File.ReadAllText($"/proc/{grandchild}/cgroup");
            if (mode == "auto")
            {
                Assert.That(cgroup.TrimEnd(), Does.EndWith("/services/web/run"), "in the service's cgroup");
                Assert.That(File.ReadAllText(temp["service/web/supervise/cgroup"]).Trim(), Does.EndWith("/services/web/run"));
            }
            else Assert.That(File.Exists(temp["service/web/supervise/cgroup"]), Is.False, "no cgroup with INIT_CGROUPS=off");

            Assert.That(Sv("pause", temp["service/web"]).ExitCode, Is.Zero);
            Assert.That(Run.Until(() => !Ticking(temp), 5_000), Is.True, "sv pause stops the grandchild too");
            Assert.That(Sv("cont", temp["service/web"]).ExitCode, Is.Zero);
            Assert.That(Run.Until(() => Ticking(temp), 5_000), Is.True, "sv cont lets it go on");

            Assert.That(Sv("down", temp["service/web"]).ExitCode, Is.Zero);
            Assert.That(Run.Until(() => Procs.Ended(grandchild), 5_000), Is.True, "sv down leaves no process of the service alive");
            Assert.That(Run.Until(() => Procs.Ended(run), 5_000), Is.True);
            Assert.That(Ticking(temp), Is.False);
        }
        finally
        {
            RunsvdirTests.Stop(engine);
            int left = ReadPid(temp["service/grandchild"]);
            if (left > 0 && !Procs.Ended(left)) Run.Command("/bin/kill", "-9", left.ToString());
        }
    }

    [TestCase("auto"), CancelAfter(60_000)]
    [TestCase("off")]
    public void What_run_leaves_behind_is_killed_before_it_starts_again(string mode)
    {
        if (mode == "auto") Requires.Cgroup2();
        using var temp = new TempDirectory();
        // Each start leaves a setsid sleeper behind, then exits: a service that would run twice.
        temp.Script("service/leaky/run", """
            #!/bin/sh
            sh -c 'setsid sleep 999 & echo $! >> ../leftovers'
            sleep 0.3
            exit 1
            """);
        var engine = StartEngine(temp, mode);
        try
        {
            string leftovers = temp["service/leftovers"];
            Assert.That(Run.Until(() => File.Exists(leftovers) && File.ReadAllLines(leftovers).Length >= 3, 15_000), Is.True, "three starts");
            var pids = File.ReadAllLines(leftovers).Select(int.Parse).ToList();
            // Every sleeper but the newest belongs to a ./run that has exited.
            foreach (int pid in pids.Take(pids.Count - 1))
                Assert.That(Procs.Ended(pid), Is.True, $"pid {pid}, left by an earlier ./run, still runs");
            Assert.That(File.ReadAllText(temp["engine.err"]), Does.Contain("runsv leaky: info: killed"), "the kill is said");
        }
        finally
        {
            RunsvdirTests.Stop(engine);
        }
        foreach (int pid in File.ReadAllLines(temp["service/leftovers"]).Select(int.Parse))
            Assert.That(Run.Until(() => Procs.Ended(pid), 5_000), Is.True, $"pid {pid} outlived the engine's stop");
    }

    [Test, CancelAfter(60_000)]
    public void A_bad_limit_keeps_the_service_from_starting_and_is_named()
    {
        Requires.Cgroup2();
        using var temp = new TempDirectory();
        temp.Script("service/capped/run", "#!/bin/sh\necho started >> ../starts\nexec sleep 1000\n");
        temp.Write("service/capped/limits/memory.max", "lots\n");
        temp.Write("service/capped/limits/memory.maxx", "32M\n");
        var engine = StartEngine(temp, "auto");
        try
        {
            string err = temp["engine.err"];
            Assert.That(Run.Until(() => File.ReadAllText(err).Contains("limits/memory.maxx"), 10_000), Is.True, File.ReadAllText(err));
            string text = File.ReadAllText(err);
            Assert.That(text, Does.Contain("limits/memory.max: not max, or bytes with an optional K, M, G or T: \"lots\": not starting"));
            Assert.That(text, Does.Contain("limits/memory.maxx: not a limit Init sets"));
            Thread.Sleep(1500);
            Assert.That(File.Exists(temp["service/starts"]), Is.False, "./run never started");
            Assert.That(text.Split('\n').Count(l => l.Contains("\"lots\"")), Is.EqualTo(1), "said once, not at every retry");

            // Fixed: the next try starts it; where the memory controller is missing, the limit is said not to apply.
            File.Delete(temp["service/capped/limits/memory.maxx"]);
            File.WriteAllText(temp["service/capped/limits/memory.max"], "32M\n");
            Assert.That(Run.Until(() => File.Exists(temp["service/starts"]), 10_000), Is.True, "started once the limits are valid");
            string json = Run.Command(Binary.Applet("sv"), ["status", "--json", temp["service/capped"]]).Stdout;
            var service = JsonDocument.Parse(json).RootElement.GetProperty("services")[0].GetProperty("service");
            Assert.That(service.GetProperty("cgroup").GetString(), Does.EndWith("/services/capped/run"));
            Assert.That(service.GetProperty("cpu_seconds").ValueKind, Is.EqualTo(JsonValueKind.Number), "cpu.stat is there without controllers");
            var controllers = File.ReadAllText(Path.Combine(Path.GetDirectoryName(service.GetProperty("cgroup").GetString()!)!, "cgroup.controllers"));
            if (!controllers.Contains("memory"))
            {
                Assert.That(File.ReadAllText(err), Does.Contain("limits/memory.max: the memory controller is not available here: not applied"));
                Assert.That(service.GetProperty("memory_bytes").ValueKind, Is.EqualTo(JsonValueKind.Null));
            }
            else Assert.That(File.ReadAllText(Path.Combine(service.GetProperty("cgroup").GetString()!, "memory.max")).Trim(), Is.EqualTo("33554432"));
        }
        finally
        {
            RunsvdirTests.Stop(engine);
        }
    }

    [Test, CancelAfter(60_000)]
    public void The_engines_subtree_is_gone_after_it_stopped_every_service()
    {
        Requires.Cgroup2();
        using var temp = new TempDirectory();
        temp.Script("service/a/run", "#!/bin/sh\nexec sleep 1000\n");
        temp.Script("service/b/run", "#!/bin/sh\nexec sleep 1000\n");
        temp.Script("service/b/log/run", "#!/bin/sh\nexec cat > /dev/null\n");
        var engine = StartEngine(temp, "auto");
        string? root = null;
        try
        {
            Assert.That(Run.Until(() => File.Exists(temp["service/b/log/supervise/cgroup"]) && File.Exists(temp["service/a/supervise/cgroup"]), 10_000), Is.True);
            string log = File.ReadAllText(temp["service/b/log/supervise/cgroup"]).Trim();
            Assert.That(log, Does.EndWith("/services/b/log"), "the logger has a cgroup of its own");
            root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(log)))!;
            // A child is there between posix_spawn and its move: alone once every service runs.
            string leaf = Path.Combine(root, "supervisor", "cgroup.procs");
            Assert.That(Run.Until(() => File.ReadAllText(leaf).Trim() == engine.Id.ToString(), 5_000), Is.True, "the engine alone in its own leaf: " + File.ReadAllText(leaf));
        }
        finally
        {
            RunsvdirTests.Stop(engine);
        }
        Assert.That(engine.ExitCode, Is.EqualTo(111));
        Assert.That(Directory.Exists(root), Is.False, "the engine removed its subtree");
    }
}
