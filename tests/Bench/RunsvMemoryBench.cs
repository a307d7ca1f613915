using System.Diagnostics;

namespace Init.Bench;

/// <summary>
/// Our runsv and runit's runsv each supervising the same 20 services in one run: RSS, USS and
/// threads per supervisor process.
/// </summary>
public static class RunsvMemoryBench
{
    private const int Services = 20;

    public static void Run(string bin)
    {
        string root = Directory.CreateTempSubdirectory("init-bench-").FullName;
        try
        {
            var theirs = Measure(root, "runit", "/usr/bin/runsv");
            var ours = Measure(root, "ours", Path.Combine(bin, "runsv"));
            Console.WriteLine($"{"",-22}{"runit runsv",14}{"our runsv",14}{"ratio",8}");
            Row("RSS per runsv (KiB)", ours.Rss, theirs.Rss);
            Row("USS per runsv (KiB)", ours.Uss, theirs.Uss);
            Row("threads per runsv", ours.Threads, theirs.Threads);
            Row($"USS for {Services} (KiB)", ours.Uss * Services, theirs.Uss * Services);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void Row(string label, double ours, double theirs) =>
        Console.WriteLine($"{label,-22}{theirs,14:0}{ours,14:0}{Init.Bench.Measure.Ratio(ours, theirs),8}");

    private static (double Rss, double Uss, double Threads) Measure(string root, string name, string runsv)
    {
        var processes = new List<Process>();
        var dirs = new List<string>();
        try
        {
            for (int i = 0; i < Services; i++)
            {
                string dir = Path.Combine(root, name, $"svc{i}");
                Directory.CreateDirectory(dir);
                File.WriteAllText(Path.Combine(dir, "run"), "#!/bin/sh\nexec sleep 100000\n");
                File.SetUnixFileMode(Path.Combine(dir, "run"), (UnixFileMode)0b111_101_101);
                dirs.Add(dir);
                var info = new ProcessStartInfo(runsv, dir) { UseShellExecute = false, RedirectStandardInput = true };
                processes.Add(Process.Start(info)!);
            }
            foreach (var dir in dirs)
                if (!Init.Bench.Measure.Until(() => File.ReadAllText(Path.Combine(dir, "supervise/stat")) == "run\n", 10_000))
                    throw new InvalidOperationException($"{dir} never reached run under {runsv}");
            Thread.Sleep(500);
            double rss = processes.Average(p => (double)Init.Bench.Measure.RssKb(p.Id));
            double uss = processes.Average(p => (double)Init.Bench.Measure.UssKb(p.Id));
            double threads = processes.Average(p => (double)Init.Bench.Measure.Threads(p.Id));
            return (rss, uss, threads);
        }
        finally
        {
            foreach (var dir in dirs)
                try { File.WriteAllText(Path.Combine(dir, "supervise/control"), "x"); } catch (IOException) { }
            foreach (var p in processes) { if (!p.WaitForExit(5000)) p.Kill(); p.Dispose(); }
        }
    }
}
