using System.Diagnostics;

namespace Init.Bench;

/// <summary>
/// Container entrypoints side by side: ours (as <c>init --</c>, and through its tini and dumb-init
/// links) against Debian's tini and dumb-init. (1) Start-up alone: each printing its version, beside
/// an empty NativeAOT program with init's runtime settings (the floor of any process in our stack).
/// (2) Exec overhead: wall time of <c>ENTRYPOINT -- /bin/true</c>, and that minus start-up, which is
/// what the entrypoint itself adds (signal set-up, spawn, reaping, exit), beside the floor doing only
/// posix_spawn and waitpid (what no NativeAOT entrypoint goes below). (3) Reaping throughput:
/// as PID 1 of a new PID namespace, the child makes 2,000 orphans that exit at once and waits until
/// the reaper has collected them all. (4) Forwarding latency: a signal sent to the entrypoint until
/// the child's handler has run.
/// </summary>
public static class ContainerBench
{
    private const int TrueRuns = 400;
    private const int Orphans = 2000;
    private const int ReapRuns = 5;

    private const string OrphanScript = """
        use POSIX;
        my $mid = fork();
        if ($mid == 0) { for (1 .. $ARGV[0]) { POSIX::_exit(0) if fork() == 0; } POSIX::_exit(0); }
        waitpid($mid, 0);
        until (scalar(my @p = glob "/proc/[0-9]*") == 2) { select(undef, undef, undef, 0.001); }
        exit 0;
        """;

    private static (string Name, string File, string[] Options)[] Contenders(string bin) =>
    [
        ("tini", "/usr/bin/tini", ["-s", "--"]),
        ("dumb-init", "/usr/bin/dumb-init", []),
        ("ours: init --", Path.Combine(bin, "init"), ["-s", "--"]),
        ("ours: tini link", Path.Combine(bin, "tini"), ["-s", "--"]),
        ("ours: dumb-init link", Path.Combine(bin, "dumb-init"), []),
    ];

    private static string Floor(string bin) => Path.GetFullPath(Path.Combine(bin, "..", "floor", "runtime-floor"));

    /// <summary>Start-up alone: (name, file, arguments); the floor is left out when it was not published.</summary>
    private static (string Name, string File, string[] Args)[] StartUps(string bin)
    {
        var floor = Floor(bin);
        return
        [
            ("tini --version", "/usr/bin/tini", ["--version"]),
            .. File.Exists(floor) ? [("empty NativeAOT Main", floor, Array.Empty<string>())] : Array.Empty<(string, string, string[])>(),
            ("ours: init --version", Path.Combine(bin, "init"), ["--version"]),
        ];
    }

    public static void Run(string bin)
    {
        var contenders = Contenders(bin);
        var startUps = StartUps(bin);

        // Interleaved rounds so machine load hits every contender alike; medians, because this
        // machine's noise comes in bursts that move a mean of 200 by a tenth.
        var startRuns = startUps.Select(_ => new List<double>()).ToArray();
        var totalRuns = contenders.Select(_ => new List<double>()).ToArray();
        // The floor's own `-- /bin/true`: posix_spawn and waitpid from an empty NativeAOT Main.
        bool hasFloor = startUps.Length == 3;   // tini, the floor, ours
        var floorRuns = new List<double>();
        var startTimers = startUps.Select(s => SpawnTimer.Prepare(s.File, s.Args)).ToArray();
        var totalTimers = contenders.Select(c => SpawnTimer.Prepare(c.File, [.. c.Options, "/bin/true"])).ToArray();
        using var floorTimer = hasFloor ? SpawnTimer.Prepare(Floor(bin), ["--", "/bin/true"]) : null;
        for (int round = 0; round < TrueRuns; round++)
        {
            for (int i = 0; i < startUps.Length; i++) startRuns[i].Add(startTimers[i].Run());
            for (int i = 0; i < contenders.Length; i++) totalRuns[i].Add(totalTimers[i].Run());
            if (floorTimer is not null) floorRuns.Add(floorTimer.Run());
        }
        foreach (var timer in startTimers.Concat(totalTimers)) timer.Dispose();
        var start = startRuns.Select(Median).ToArray();
        var total = totalRuns.Select(Median).ToArray();
        double floorTotal = hasFloor ? Median(floorRuns) : 0;
        Console.WriteLine($"-- start-up alone, median wall time of {TrueRuns} runs (posix_spawn to reaped, output drained: SpawnTimer)");
        for (int i = 0; i < startUps.Length; i++)
            Console.WriteLine($"{startUps[i].Name,-22} {start[i],8:0.00} ms   vs tini {Measure.Ratio(start[i], start[0])}");
        if (hasFloor)
            Console.WriteLine($"{"(b) init --version",-22} vs the empty NativeAOT Main {Measure.Ratio(start[2], start[1])} (bound: 1.1x)");
        Console.WriteLine($"-- `ENTRYPOINT -- /bin/true`, median of {TrueRuns} runs; added = that minus the entrypoint's own start-up above");
        double tiniAdded = total[0] - start[0];
        double ourStart = start[^1];
        for (int i = 0; i < contenders.Length; i++)
        {
            bool ours = contenders[i].Name.StartsWith("ours");
            string added = i == 0 || ours
                ? $"added {total[i] - (ours ? ourStart : start[0]),6:0.00} ms (vs tini {Measure.Ratio(total[i] - (ours ? ourStart : start[0]), tiniAdded)})"
                : "";
            Console.WriteLine($"{contenders[i].Name,-22} {total[i],8:0.00} ms   vs tini {Measure.Ratio(total[i], total[0])}   {added}");
        }
        if (hasFloor)
        {
            // What no NativeAOT entrypoint can go below: the runtime's start-up plus a bare spawn and wait.
            double floorAdded = floorTotal - start[1];
            Console.WriteLine($"{"floor: spawn + wait",-22} {floorTotal,8:0.00} ms   vs tini {Measure.Ratio(floorTotal, total[0])}   added {floorAdded,6:0.00} ms (vs tini {Measure.Ratio(floorAdded, tiniAdded)})");
            Console.WriteLine($"(a) what init -- adds: {Measure.Ratio(total[2] - ourStart, tiniAdded)} tini's (bound 1.0x), {Measure.Ratio(total[2] - ourStart, floorAdded)} the floor's; " +
                $"(c) init -- /bin/true {Measure.Ratio(total[2], total[0])} tini's (bound 1.5x), the floor itself {Measure.Ratio(floorTotal, total[0])}");
        }

        Forwarding(contenders);

        var reap = new List<double>[contenders.Length];
        for (int i = 0; i < contenders.Length; i++) reap[i] = [];
        for (int round = 0; round < ReapRuns; round++)
            for (int i = 0; i < contenders.Length; i++)
                reap[i].Add(SpawnTimer.Once("/usr/bin/unshare", ["--fork", "--pid", "--mount-proc", contenders[i].File, .. contenders[i].Options, "/usr/bin/perl", "-e", OrphanScript, Orphans.ToString()]));
        Console.WriteLine($"-- reaping {Orphans} orphans as PID 1 (unshare), median of {ReapRuns} runs: start to last orphan reaped and exit");
        double tiniReap = Median(reap[0]);
        for (int i = 0; i < contenders.Length; i++)
        {
            double m = Median(reap[i]);
            Console.WriteLine($"{contenders[i].Name,-22} {m,8:0.0} ms   {Orphans / (m / 1000),8:0} orphans/s   vs tini {Measure.Ratio(m, tiniReap)}");
        }
    }

    private const int ForwardRounds = 300;

    /// <summary>The child: says "r" once its handler is set, then "x" for each SIGUSR1 it catches.</summary>
    private const string EchoScript = """
        $SIG{USR1} = sub { syswrite(STDOUT, "x") };
        syswrite(STDOUT, "r");
        sleep 1 while 1;
        """;

    /// <summary>
    /// Forwarding latency: SIGUSR1 sent to the entrypoint until its child's handler has written a byte
    /// to our pipe, median of <see cref="ForwardRounds"/> per contender, rounds interleaved. Ours is
    /// measured once its signalfd is read (50 ms after start).
    /// </summary>
    private static void Forwarding((string Name, string File, string[] Options)[] contenders)
    {
        var running = contenders.Select(c =>
        {
            var info = new ProcessStartInfo(c.File) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in c.Options.Append("/usr/bin/perl").Append("-e").Append(EchoScript)) info.ArgumentList.Add(a);
            var p = Process.Start(info)!;
            p.ErrorDataReceived += (_, _) => { };
            p.BeginErrorReadLine();
            if (p.StandardOutput.BaseStream.ReadByte() != 'r') throw new InvalidOperationException(c.Name + ": the child never started");
            return p;
        }).ToArray();
        try
        {
            Thread.Sleep(200);
            var samples = running.Select(_ => new List<double>()).ToArray();
            for (int round = 0; round < ForwardRounds; round++)
                for (int i = 0; i < running.Length; i++)
                {
                    long start = Stopwatch.GetTimestamp();
                    if (kill(running[i].Id, SIGUSR1) != 0) throw new InvalidOperationException("kill failed");
                    if (running[i].StandardOutput.BaseStream.ReadByte() != 'x') throw new InvalidOperationException(contenders[i].Name + ": no reply");
                    samples[i].Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
            Console.WriteLine($"-- forwarding: SIGUSR1 to the entrypoint until the child's handler has run, median of {ForwardRounds}");
            double tini = Median(samples[0]);
            for (int i = 0; i < running.Length; i++)
            {
                double m = Median(samples[i]);
                Console.WriteLine($"{contenders[i].Name,-22} {m,8:0.000} ms   vs tini {Measure.Ratio(m, tini)}");
            }
        }
        finally
        {
            // SIGTERM is forwarded and ends the child (it only catches USR1), then the entrypoint.
            foreach (var p in running) kill(p.Id, SIGTERM);
            foreach (var p in running)
            {
                if (!p.WaitForExit(5000)) { try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { } }
                p.Dispose();
            }
        }
    }

    private const int SIGUSR1 = 10, SIGTERM = 15;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }

}
