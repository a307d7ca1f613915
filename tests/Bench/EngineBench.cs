using System.Diagnostics;

namespace Init.Bench;

/// <summary>
/// The supervision tree of one service directory, runit's runsvdir (a runsv per service) beside
/// our runsvdir as the engine (one process) and in per-process mode, in one run: whole-tree PSS
/// (scanner and supervisors, not the services) for 1, 50 and 500 services and 2,000 for the engine
/// alone; time from the scanner's start to all 50 services running; restart latency after SIGKILL
/// of a service; the supervisors' CPU per restart of crash-looping services.
/// </summary>
public static class EngineBench
{
    private const string Sleeper = "#!/bin/sh\nexec sleep 100000\n";
    /// <summary>Exits at once, leaving a line in the directory above its service directory for each start.</summary>
    private const string Crasher = "#!/bin/sh\necho >>../starts\nexit 1\n";

    private sealed record Tree(string Name, string Program, Dictionary<string, string?> Environment);

    /// <summary>A running tree: its directory, its supervisor processes, and how long it took until every service ran.</summary>
    private sealed record Running(string Directory, Func<List<int>> Supervisors, double UpMs);

    public static void Run(string bin)
    {
        string root = Directory.CreateTempSubdirectory("init-bench-").FullName;
        var trees = new[]
        {
            new Tree("runit", "/usr/bin/runsvdir", []),
            new Tree("engine", Path.Combine(bin, "runsvdir"), new() { ["INIT_SUPERVISION"] = "engine" }),
            new Tree("process", Path.Combine(bin, "runsvdir"), new() { ["INIT_SUPERVISION"] = "process" }),
        };
        try
        {
            // The engine moves each child into its cgroup; how long a move takes depends on this (README, cgroups).
            Console.WriteLine($"cgroup2 hierarchy: {Cgroup2Mount()}");
            Console.WriteLine($"{"",-36}{"runit",12}{"engine",12}{"ratio",8}{"per-process",13}{"ratio",8}");
            foreach (int n in new[] { 1, 10, 50, 500 })
            {
                var pss = trees.Select(t => WithServices(root, t, n, Sleeper, r => TreePssKb(r.Supervisors))).ToArray();
                Row($"tree PSS, {n} services (KiB)", pss[0], pss[1], pss[2]);
            }
            double big = WithServices(root, trees[1], 2000, Sleeper, r => TreePssKb(r.Supervisors));
            Console.WriteLine($"{"tree PSS, 2000 services (KiB)",-36}{"(max 1000)",12}{big,12:0}");

            var start = trees.Select(t => WithServices(root, t, 50, Sleeper, r => r.UpMs)).ToArray();
            Row("50 services all running (ms)", start[0], start[1], start[2]);
            var latency = trees.Select(t => WithServices(root, t, 5, Sleeper, r => RestartLatencyMs(r.Directory, 5))).ToArray();
            Row("restart after SIGKILL (ms)", latency[0], latency[1], latency[2]);
            var cpu = trees.Select(t => WithServices(root, t, 20, Crasher, r => CpuPerRestartMs(r))).ToArray();
            Row("supervisor CPU per restart (ms)", cpu[0], cpu[1], cpu[2], "0.00");
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static string Cgroup2Mount() =>
        File.ReadLines("/proc/self/mounts").Select(l => l.Split(' ')).FirstOrDefault(f => f.Length > 3 && f[2] == "cgroup2") is { } f
            ? $"{f[1]} {f[3]}{(f[3].Split(',').Contains("favordynmods") ? "" : " (no favordynmods: each move of a child into its cgroup waits for an RCU grace period)")}"
            : "none (the engine follows the process tree)";

    private static void Row(string label, double runit, double engine, double process, string format = "0") =>
        Console.WriteLine($"{label,-36}{runit.ToString(format),12}{engine.ToString(format),12}{Measure.Ratio(engine, runit),8}{process.ToString(format),13}{Measure.Ratio(process, runit),8}");

    /// <summary>Runs <paramref name="tree"/> over <paramref name="count"/> services until all run, measures, and takes it down.</summary>
    private static T WithServices<T>(string root, Tree tree, int count, string run, Func<Running, T> measure)
    {
        string dir = Path.Combine(root, $"{tree.Name}-{count}-{Guid.NewGuid():N}");
        for (int i = 0; i < count; i++)
        {
            string service = Path.Combine(dir, $"s{i:0000}");
            Directory.CreateDirectory(service);
            File.WriteAllText(Path.Combine(service, "run"), run);
            File.SetUnixFileMode(Path.Combine(service, "run"), (UnixFileMode)0b111_101_101);
        }
        var clock = Stopwatch.StartNew();
        var scanner = Start(tree, dir);
        try
        {
            bool crashing = run == Crasher;
            if (!Measure.Until(() => Directory.GetDirectories(dir).All(s => crashing ? File.Exists(Path.Combine(s, "supervise/ok")) : IsRunning(s)), 120_000))
                throw new InvalidOperationException($"{tree.Name}: not every one of {count} services came up");
            double upMs = clock.Elapsed.TotalMilliseconds;
            Thread.Sleep(500);   // settle: what is measured is the steady state
            return measure(new Running(dir, () => Supervisors(scanner.Id), upMs));
        }
        finally
        {
            Stop(scanner);
        }
    }

    private static Process Start(Tree tree, string dir)
    {
        var info = new ProcessStartInfo(tree.Program, dir) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardError = false };
        foreach (var (k, v) in tree.Environment) info.Environment[k] = v;
        return Process.Start(info)!;
    }

    /// <summary>SIGHUP: runit's runsvdir TERMs every runsv, the engine stops its services.</summary>
    private static void Stop(Process scanner)
    {
        var runsvs = Supervisors(scanner.Id);
        Process.Start("/bin/kill", $"-HUP {scanner.Id}")!.WaitForExit();
        scanner.WaitForExit(60_000);
        Measure.Until(() => runsvs.All(p => !File.Exists($"/proc/{p}/stat") || File.ReadAllText($"/proc/{p}/stat").Contains(") Z")), 30_000);
        scanner.Dispose();
    }

    private static bool IsRunning(string service)
    {
        try { return File.ReadAllText(Path.Combine(service, "supervise/stat")).StartsWith("run") && File.ReadAllText(Path.Combine(service, "supervise/pid")).Trim().Length > 0; }
        catch (IOException) { return false; }
    }

    /// <summary>The scanner and its runsv children (the services themselves are not the tree's cost).</summary>
    private static List<int> Supervisors(int scanner)
    {
        var list = new List<int> { scanner };
        foreach (var d in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out int pid)) continue;
            try
            {
                string stat = File.ReadAllText($"/proc/{pid}/stat");
                string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(f[1]) == scanner && stat.Contains("(runsv)")) list.Add(pid);
            }
            catch (IOException) { }
        }
        return list;
    }

    private static double TreePssKb(Func<List<int>> supervisors) => supervisors().Sum(PssKb);

    private static long PssKb(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
            if (line.StartsWith("Pss:")) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        return 0;
    }

    /// <summary>Average time from SIGKILL of a service (running over a second) to its new pid in supervise/pid.</summary>
    private static double RestartLatencyMs(string dir, int rounds)
    {
        var services = Directory.GetDirectories(dir);
        Thread.Sleep(1100);   // past the 1-second restart rule
        var times = new List<double>();
        foreach (var service in services.Take(rounds))
        {
            string old = File.ReadAllText(Path.Combine(service, "supervise/pid")).Trim();
            using var victim = Process.GetProcessById(int.Parse(old));
            var clock = Stopwatch.StartNew();
            victim.Kill();   // SIGKILL, sent directly
            // Polled every millisecond: Measure.Until's 20 ms would be the whole figure.
            while (clock.ElapsedMilliseconds < 10_000 && File.ReadAllText(Path.Combine(service, "supervise/pid")).Trim() is var now && (now.Length == 0 || now == old))
                Thread.Sleep(1);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }
        return times.Average();
    }

    /// <summary>CPU time of the supervisors per restart, over services that exit at once (runit and we restart each once a second).</summary>
    private static double CpuPerRestartMs(Running tree)
    {
        string starts = Path.Combine(tree.Directory, "starts");
        var pids = tree.Supervisors();
        long nsBefore = pids.Sum(Measure.CpuNs);
        int startsBefore = File.ReadAllLines(starts).Length;
        Thread.Sleep(8000);
        long ns = pids.Sum(Measure.CpuNs) - nsBefore;
        int restarts = File.ReadAllLines(starts).Length - startsBefore;
        return restarts == 0 ? double.NaN : ns / 1e6 / restarts;
    }
}
