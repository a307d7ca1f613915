using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Init.Bench;

/// <summary>
/// Boot and shutdown of the same initramfs under QEMU (TCG), in one run: runit's own PID 1
/// (/sbin/runit from Debian's runit package, booting /etc/runit/1,2,3) against Init with the same
/// runit stage scripts, and Init with its built-in stages. Times come from the guest's clock:
/// "all services up" is the uptime when every service reports run (printed by the demo's report
/// service), "shutdown" is from the poweroff request to the kernel's "reboot: Power down".
/// </summary>
public static partial class BootBench
{
    private sealed record Row(string Name, string Variant, string Init);

    public static void Run(string bin)
    {
        string root = Path.GetFullPath(Path.Combine(bin, "..", ".."));
        var build = Process.Start("bash", [Path.Combine(root, "images", "build-initramfs.sh"), bin])!;
        build.WaitForExit();
        if (build.ExitCode != 0) { Console.WriteLine("image build failed"); return; }

        Row[] rows =
        [
            new("runit (Debian /sbin/runit)", "runit", "/sbin/runit"),
            new("Init, runit stages", "runit", "/sbin/init"),
            new("Init, built-in stages", "builtin", "/sbin/init"),
        ];
        int rounds = int.TryParse(Environment.GetEnvironmentVariable("BOOT_BENCH_ROUNDS"), out int r) ? r : 2;
        var results = rows.ToDictionary(x => x, _ => new List<(double Up, double Down, double Wall)>());
        for (int i = 0; i < rounds; i++)
            foreach (var row in rows)
                if (Boot(root, row) is { } m) results[row].Add(m);

        Console.WriteLine($"boot to all services up, and shutdown, guest seconds (median of {rounds}; QEMU TCG, 1 vCPU)");
        Console.WriteLine($"{"",-28} {"all up",8} {"shutdown",9} {"QEMU wall",10}");
        var medians = new Dictionary<Row, (double Up, double Down, double Wall)>();
        foreach (var row in rows)
        {
            var list = results[row];
            if (list.Count == 0) { Console.WriteLine($"{row.Name,-28} failed"); continue; }
            var m = (Median(list.Select(x => x.Up)), Median(list.Select(x => x.Down)), Median(list.Select(x => x.Wall)));
            medians[row] = m;
            Console.WriteLine($"{row.Name,-28} {m.Item1,8:0.00} {m.Item2,9:0.00} {m.Item3,10:0.0}");
        }
        if (medians.TryGetValue(rows[0], out var runit))
            foreach (var row in rows.Skip(1).Where(medians.ContainsKey))
                Console.WriteLine($"ratio {row.Name} / runit: all up {medians[row].Up / runit.Up:0.00}x, shutdown {medians[row].Down / runit.Down:0.00}x");
    }

    private static (double Up, double Down, double Wall)? Boot(string root, Row row)
    {
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        info.ArgumentList.Add(Path.Combine(root, "images", "boot.sh"));
        info.ArgumentList.Add(row.Variant);
        info.ArgumentList.Add("demo=bench");
        info.ArgumentList.Add("STOP_WAIT=7");
        info.Environment["INIT_PATH"] = row.Init;
        info.Environment["QEMU_TIMEOUT"] = "120";
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(info)!;
        p.StandardInput.Close();
        var output = new StringBuilder();
        p.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Append(e.Data).Append('\n'); };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.Append(e.Data).Append('\n'); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        p.WaitForExit();
        double wall = sw.Elapsed.TotalSeconds;
        string console;
        lock (output) console = output.ToString();
        var up = AllUp().Match(console);
        var request = Request().Match(console);
        var down = PowerDown().Match(console);
        if (!up.Success || !request.Success || !down.Success)
        {
            Console.WriteLine($"{row.Name}: no measurement; console tail:\n{string.Join('\n', console.Split('\n').TakeLast(15))}");
            return null;
        }
        double Parse(Match m) => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return (Parse(up), Parse(down) - Parse(request), wall);
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    [GeneratedRegex(@"demo: all services up at ([0-9.]+)s uptime")] private static partial Regex AllUp();
    [GeneratedRegex(@"demo: poweroff at ([0-9.]+)s uptime")] private static partial Regex Request();
    [GeneratedRegex(@"\[\s*([0-9.]+)\] reboot: Power down")] private static partial Regex PowerDown();
}
