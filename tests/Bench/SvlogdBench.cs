using System.Diagnostics;
using System.Text;

namespace Init.Bench;

/// <summary>
/// svlogd throughput, ours next to runit's (/usr/bin/svlogd), on the same input through a pipe
/// (as under runsv): lines/s and MB/s, best of three, without and with -tt stamps.
/// </summary>
public static class SvlogdBench
{
    private const int Lines = 1_000_000;

    public static void Run(string bin)
    {
        string work = Directory.CreateTempSubdirectory("svlogd-bench-").FullName;
        try
        {
            string input = Path.Combine(work, "input");
            var text = new StringBuilder();
            for (int i = 0; i < Lines; i++)
                text.Append("2026-11-23 web[1234]: GET /api/items/").Append(i).Append(" 200 0.004s user=alice\n");
            File.WriteAllText(input, text.ToString());
            long bytes = new FileInfo(input).Length;
            Console.WriteLine($"input: {Lines:N0} lines, {bytes / 1e6:0.0} MB; log dir config s1000000 n10; best of 3");
            foreach (var options in new[] { "", "-tt" })
            {
                double theirs = Best(work, "/usr/bin/svlogd", options, input);
                double ours = Best(work, Path.Combine(bin, "svlogd"), options, input);
                Report($"runit svlogd {options}", theirs, bytes);
                Report($"Init  svlogd {options}", ours, bytes);
                Console.WriteLine($"  speed-up {options}: {theirs / ours:0.0}x");
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static void Report(string name, double seconds, long bytes) =>
        Console.WriteLine($"  {name,-18} {seconds:0.000} s  {Lines / seconds,12:N0} lines/s  {bytes / seconds / 1e6,8:0.0} MB/s");

    private static double Best(string work, string svlogd, string options, string input)
    {
        double best = double.MaxValue;
        for (int round = 0; round < 3; round++)
        {
            string dir = Path.Combine(work, "log");
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
            Directory.CreateDirectory(dir);
            var sw = Stopwatch.StartNew();
            using var p = Process.Start(new ProcessStartInfo("/bin/sh", ["-c", $"cat {input} | {svlogd} {options} {dir}"]) { UseShellExecute = false })!;
            p.WaitForExit();
            sw.Stop();
            if (p.ExitCode != 0) throw new InvalidOperationException($"{svlogd} exited {p.ExitCode}");
            best = Math.Min(best, sw.Elapsed.TotalSeconds);
        }
        return best;
    }
}
