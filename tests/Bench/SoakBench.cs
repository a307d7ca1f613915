using System.Diagnostics;

namespace Init.Bench;

/// <summary>
/// Soak: 200 services crash-looping at random under one engine (our runsvdir) for ten minutes
/// (<c>INIT_SOAK_SECONDS</c> to change it), a quarter of them writing lines to svlogd loggers. Every
/// 30 s: the engine's RSS (and where it is: file-backed, malloc's heap, other anonymous) and open descriptors, its children still zombies a second after being
/// seen as such, its CPU share, and the starts so far. What must hold: RSS and descriptors flat once warm, no such zombie,
/// CPU in proportion to the restarts (no busy loop). Run on request only: <c>Bench soak BINDIR</c>.
/// </summary>
public static class SoakBench
{
    private const int Services = 200, Logged = 50;
    private const int SampleSeconds = 30;

    /// <summary>
    /// Each service's ring of last lines (<c>sv log</c>) grows with its lines up to its bound, by
    /// design: 8 KiB here, and ~100-byte lines at ~0.6 starts/s per service, fill every ring within
    /// the warm-up, so growth after it is growth that nothing bounds.
    /// </summary>
    private const int RingBytes = 8192, WarmUpSeconds = 180;

    /// <summary>Runs 0–2.9 s, then exits 0, 1 or 2 or is killed by a signal; counts its starts in ../starts.</summary>
    private const string Crasher = """
        #!/bin/sh
        echo >>../starts
        n=$(od -An -N1 -tu1 /dev/urandom)
        sleep $((n % 30 / 10)).$((n % 10))
        echo "line $n ................................................................................................"
        [ $((n % 4)) -eq 3 ] && kill -9 $$
        exit $((n % 3))
        """;

    public static void Run(string bin)
    {
        int seconds = int.TryParse(Environment.GetEnvironmentVariable("INIT_SOAK_SECONDS"), out int s) && s > 0 ? s : 600;
        string root = Directory.CreateTempSubdirectory("init-soak-").FullName;
        string dir = Path.Combine(root, "service");
        for (int i = 0; i < Services; i++)
        {
            string service = Path.Combine(dir, $"s{i:000}");
            Script(Path.Combine(service, "run"), Crasher);
            if (i < Logged) Script(Path.Combine(service, "log", "run"), $"#!/bin/sh\nexec {Path.Combine(bin, "svlogd")} -tt ./main\n");
            if (i < Logged) Directory.CreateDirectory(Path.Combine(service, "log", "main"));
        }
        var info = new ProcessStartInfo(Path.Combine(bin, "runsvdir"), dir) { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardError = true, RedirectStandardOutput = true };
        info.Environment["INIT_SUPERVISION"] = "engine";
        info.Environment["INIT_LOGRING"] = RingBytes.ToString();
        using var engine = Process.Start(info)!;
        // The services without log/ speak through the engine's default logger, on its output: counted, not shown.
        long lines = 0, warnings = 0;
        engine.OutputDataReceived += (_, e) => { if (e.Data is not null) Interlocked.Increment(ref lines); };
        engine.ErrorDataReceived += (_, e) => { if (e.Data is not null && (e.Data.Contains("warning") || e.Data.Contains("fatal"))) Interlocked.Increment(ref warnings); };
        engine.BeginOutputReadLine();
        engine.BeginErrorReadLine();
        try
        {
            Console.WriteLine($"{Services} services crash-looping at random ({Logged} with svlogd) under the engine for {seconds} s");
            Console.WriteLine($"{"t (s)",6}{"RSS KiB",10}{"file",7}{"malloc",7}{"anon",7}{"fds",6}{"zombies",9}{"CPU %",7}{"starts",9}{"starts/s",10}{"CPU ms/start",14}");
            var samples = new List<(int T, long Rss, int Fds, int Zombies)>();
            long cpuBefore = Measure.CpuNs(engine.Id), startsBefore = 0;
            var clock = Stopwatch.StartNew();
            for (int t = SampleSeconds; t <= seconds; t += SampleSeconds)
            {
                Thread.Sleep(TimeSpan.FromSeconds(t) - clock.Elapsed);
                long cpu = Measure.CpuNs(engine.Id), starts = Starts(dir);
                var sample = (T: t, Rss: Measure.RssKb(engine.Id), Fds: Directory.GetFiles($"/proc/{engine.Id}/fd").Length, Zombies: LastingZombies(engine.Id));
                samples.Add(sample);
                var parts = Measure.RssParts(engine.Id);
                double cpuShare = (cpu - cpuBefore) / 1e7 / SampleSeconds;
                long started = starts - startsBefore;
                Console.WriteLine($"{t,6}{sample.Rss,10}{parts.File,7}{parts.MallocHeap,7}{parts.OtherAnon,7}{sample.Fds,6}{sample.Zombies,9}{cpuShare,7:0.0}{starts,9}{started / (double)SampleSeconds,10:0.0}" +
                    $"{(started == 0 ? double.NaN : (cpu - cpuBefore) / 1e6 / started),14:0.00}");
                (cpuBefore, startsBefore) = (cpu, starts);
            }
            // Warm once the rings are full (for a short run: from the second sample, the first still holds the start-up's growth).
            var warm = samples.Where(x => x.T >= Math.Min(WarmUpSeconds, seconds / 2)).ToList();
            if (warm.Count > 0)
            {
                string result = $"RSS drift after warm-up (from {warm[0].T} s) {warm[^1].Rss - warm[0].Rss} KiB (max {warm.Max(x => x.Rss)}), " +
                    $"descriptors {warm.Min(x => x.Fds)}–{warm.Max(x => x.Fds)}, most zombies left a second {samples.Max(x => x.Zombies)}, engine alive: {!engine.HasExited}; " +
                    $"{Interlocked.Read(ref lines)} lines through the default logger, {Interlocked.Read(ref warnings)} warnings";
                Console.WriteLine(result);
                Record(seconds, Starts(dir), result);
            }
        }
        finally
        {
            Process.Start("/bin/kill", $"-HUP {engine.Id}")!.WaitForExit();
            engine.WaitForExit(60_000);
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>
    /// A row for docs/reliability.md, in the tests' format (<c>Support/Reliability.cs</c>), when
    /// INIT_RELIABILITY_OUT names a file: the Cake target Soak sets it, Reliability renders the rows.
    /// </summary>
    private static void Record(int seconds, long starts, string result)
    {
        if (Environment.GetEnvironmentVariable("INIT_RELIABILITY_OUT") is not { Length: > 0 } path) return;
        var row = new ReliabilityRow("fault",
            $"soak: {Services} services crash-looping at random under the engine for {seconds} s, {Logged} through svlogd (Bench soak)",
            starts.ToString(), result, "—", "—", "—", "Init.Bench.SoakBench");
        File.AppendAllText(path, System.Text.Json.JsonSerializer.Serialize(row, SoakJson.Default.ReliabilityRow) + "\n");
    }

    /// <summary>The tests' row (<c>Reliability.Row</c>), field for field.</summary>
    public sealed record ReliabilityRow(string Area, string Tried, string Tries, string Result, string Lost, string Doubled, string Peer, string Test);

    private static void Script(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        File.SetUnixFileMode(path, (UnixFileMode)0b111_101_101);
    }

    /// <summary>Every start wrote one newline to the directory's <c>starts</c>.</summary>
    private static long Starts(string dir)
    {
        try { return new FileInfo(Path.Combine(dir, "starts")).Length; }
        catch (IOException) { return 0; }
    }

    /// <summary>The engine's children that are zombies now and still a second later: exits it failed to reap.</summary>
    private static int LastingZombies(int engine)
    {
        var first = Zombies(engine);
        Thread.Sleep(1000);
        return Zombies(engine).Intersect(first).Count();
    }

    private static List<int> Zombies(int parent)
    {
        var list = new List<int>();
        foreach (var d in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(d), out int pid)) continue;
            try
            {
                string stat = File.ReadAllText($"/proc/{pid}/stat");
                string[] f = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                if (f[0] == "Z" && int.Parse(f[1]) == parent) list.Add(pid);
            }
            catch (IOException) { }
        }
        return list;
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(SoakBench.ReliabilityRow))]
internal sealed partial class SoakJson : System.Text.Json.Serialization.JsonSerializerContext;
