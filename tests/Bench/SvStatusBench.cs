using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Init.Bench;

/// <summary>
/// <c>sv status</c> on 50 services (runit's runsv supervising them, so only sv differs): wall time
/// per call over many calls, and instructions per call under callgrind, ours next to runit's sv.
/// </summary>
public static partial class SvStatusBench
{
    private const int Services = 50;
    private const int Rounds = 100;

    public static void Run(string bin)
    {
        string root = Directory.CreateTempSubdirectory("init-bench-sv-").FullName;
        var runsvs = new List<Process>();
        try
        {
            string svdir = Path.Combine(root, "service");
            var names = new List<string>();
            for (int i = 0; i < Services; i++)
            {
                string name = $"s{i:00}";
                string dir = Path.Combine(svdir, name);
                Directory.CreateDirectory(dir);
                File.WriteAllText(Path.Combine(dir, "run"), "#!/bin/sh\nexec sleep 100000\n");
                File.SetUnixFileMode(Path.Combine(dir, "run"), (UnixFileMode)0b111_101_101);
                names.Add(name);
                runsvs.Add(Process.Start(new ProcessStartInfo("/usr/bin/runsv", dir) { UseShellExecute = false, RedirectStandardInput = true })!);
            }
            foreach (var name in names)
                if (!Measure.Until(() => File.ReadAllText(Path.Combine(svdir, name, "supervise/stat")) == "run\n", 10_000))
                    throw new InvalidOperationException($"{name} never reached run");

            // callgrind cannot read the stripped binary's separate debug file (init.dbg): measure a copy without it.
            string copy = Path.Combine(root, "bin");
            Directory.CreateDirectory(copy);
            File.Copy(Path.Combine(bin, "init"), Path.Combine(copy, "init"));
            File.CreateSymbolicLink(Path.Combine(copy, "sv"), "init");
            string ours = Path.Combine(copy, "sv"), theirs = "/usr/bin/sv";
            string[] args = ["status", .. names];

            var check = (Call(ours, args, svdir), Call(theirs, args, svdir));
            if (Normalise(check.Item1) != Normalise(check.Item2)) throw new InvalidOperationException("outputs differ:\n" + check.Item1 + "\n" + check.Item2);

            Call(ours, args, svdir); Call(theirs, args, svdir); // warm the page cache
            double oursMs = 0, theirsMs = 0;
            using (var oursTimer = Timer(ours, args, svdir))
            using (var theirsTimer = Timer(theirs, args, svdir))
                for (int r = 0; r < Rounds; r++)
                {
                    oursMs += oursTimer.Run();
                    theirsMs += theirsTimer.Run();
                }
            oursMs /= Rounds; theirsMs /= Rounds;
            long oursIr = Instructions(ours, args, svdir), theirsIr = Instructions(theirs, args, svdir);

            Console.WriteLine($"sv status on {Services} services ({Rounds} calls each, alternating)");
            Console.WriteLine($"{"",-26}{"runit sv",14}{"our sv",14}{"ratio",8}");
            Console.WriteLine($"{"wall time per call (ms)",-26}{theirsMs,14:0.00}{oursMs,14:0.00}{Measure.Ratio(oursMs, theirsMs),8}");
            Console.WriteLine($"{"instructions per call",-26}{theirsIr,14:N0}{oursIr,14:N0}{Measure.Ratio(oursIr, theirsIr),8}");

            // (d): `sv status x` against the floor of any process of our stack, an empty NativeAOT Main.
            string floor = Path.GetFullPath(Path.Combine(bin, "..", "floor", "runtime-floor"));
            if (File.Exists(floor))
            {
                double oneMs = 0, floorMs = 0, runitOneMs = 0;
                string[] one = ["status", names[0]];
                using var oneTimer = Timer(ours, one, svdir);
                using var floorTimer = Timer(floor, [], svdir);
                using var runitOneTimer = Timer(theirs, one, svdir);
                for (int r = 0; r < Rounds * 2; r++)
                {
                    oneMs += oneTimer.Run();
                    floorMs += floorTimer.Run();
                    runitOneMs += runitOneTimer.Run();
                }
                oneMs /= Rounds * 2; floorMs /= Rounds * 2; runitOneMs /= Rounds * 2;
                Console.WriteLine($"(d) sv status x: ours {oneMs:0.00} ms, empty NativeAOT Main {floorMs:0.00} ms: {Measure.Ratio(oneMs, floorMs)} (bound 1.15x); runit's sv {runitOneMs:0.00} ms");
            }
        }
        finally
        {
            // SIGTERM is runsv's `x`: it stops its service, then exits.
            foreach (var p in runsvs) Process.Start("/bin/kill", ["-TERM", p.Id.ToString()])?.WaitForExit();
            foreach (var p in runsvs)
                if (!p.WaitForExit(5000)) { try { p.Kill(); } catch (InvalidOperationException) { } }
            Directory.Delete(root, recursive: true);
        }
    }

    private static string Call(string sv, string[] args, string svdir)
    {
        var info = new ProcessStartInfo(sv, args) { UseShellExecute = false, RedirectStandardOutput = true, WorkingDirectory = svdir };
        info.Environment["SVDIR"] = svdir;
        using var p = Process.Start(info)!;
        string output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return output;
    }

    private static SpawnTimer Timer(string sv, string[] args, string svdir) => SpawnTimer.Prepare(sv, args, svdir, "SVDIR=" + svdir);

    private static long Instructions(string sv, string[] args, string svdir)
    {
        var info = new ProcessStartInfo("valgrind", ["--tool=callgrind", "--callgrind-out-file=/dev/null", sv, .. args])
        {
            UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = svdir,
        };
        info.Environment["SVDIR"] = svdir;
        using var p = Process.Start(info)!;
        p.StandardOutput.ReadToEnd();
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        var m = Collected().Match(err);
        return m.Success ? long.Parse(m.Groups[1].Value) : -1;
    }

    private static string Normalise(string s) => Seconds().Replace(s, "Ns");

    [GeneratedRegex(@"Collected : (\d+)")] private static partial Regex Collected();
    [GeneratedRegex(@"\b\d+s\b")] private static partial Regex Seconds();
}
