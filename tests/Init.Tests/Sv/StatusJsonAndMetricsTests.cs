using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Init.Tests.Support;

namespace Init.Tests.Sv;

/// <summary>
/// <c>sv status --json</c> and <c>sv metrics</c> over a directory supervised by our runsvdir: the
/// JSON parses and has the documented schema for 50 services; the metrics pass promtool's check
/// and a strict reading of the exposition format here; runit's sv still reads every service.
/// </summary>
[Parallelizable(ParallelScope.None)]
public class StatusJsonAndMetricsTests
{
    private static readonly string[] ProcessFields =
        ["supervised", "state", "pid", "since", "uptime_seconds", "want", "paused", "term_sent", "readiness", "status_text",
         "restarts", "last_exit", "backoff_delay_ms", "next_start", "failed", "error", "cgroup", "memory_bytes", "cpu_seconds", "oom_kills"];

    private static readonly string[] ServiceFields = ["name", "path", "normally_up", "oneshot", "waiting_for", "service", "log", "up", "health"];

    /// <summary>48 sleepers (every eighth with a logger), a crash loop, and an sd_notify service saying STATUS=.</summary>
    private static Process StartFifty(TempDirectory temp)
    {
        for (int i = 0; i < 48; i++)
        {
            temp.Script($"service/s{i:D2}/run", "#!/bin/sh\nexec sleep 1000\n");
            if (i % 8 == 0) temp.Script($"service/s{i:D2}/log/run", "#!/bin/sh\nexec cat > /dev/null\n");
        }
        temp.Script("service/crash/run", "#!/bin/sh\nexit 3\n");
        File.WriteAllText(temp["notify.pl"], "use Socket; my $n = $ENV{NOTIFY_SOCKET}; $n =~ s/^@/\\0/; socket(my $s, AF_UNIX, SOCK_DGRAM, 0) or die; "
            + "send($s, \"READY=1\\nSTATUS=serving 42 clients\", 0, pack_sockaddr_un($n)) or die; sleep 1000;\n");
        temp.Script("service/notify/run", $"#!/bin/sh\nexec /usr/bin/perl {temp["notify.pl"]}\n");
        temp.Write("service/notify/notify-socket", "");
        return Run.Background(Binary.Applet("runsvdir"), [temp["service"]], temp.Path, temp.Path, "runsvdir",
            new Dictionary<string, string?> { ["INIT_SUPERVISION"] = "engine" });
    }

    private static RunResult Sv(TempDirectory temp, params string[] args) =>
        Run.Command(Binary.Applet("sv"), args, environment: new Dictionary<string, string?> { ["SVDIR"] = temp["service"] });

    private static JsonElement Service(JsonDocument doc, string name) =>
        doc.RootElement.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == name);

    [Test, CancelAfter(90_000)]
    public void Status_json_for_50_services_parses_and_has_the_documented_schema()
    {
        using var temp = new TempDirectory();
        var runsvdir = StartFifty(temp);
        try
        {
            Assert.That(Run.Until(() => Sv(temp, "status", "--json").Stdout is var json && json.Contains("serving 42 clients")
                && Regex.Matches(json, "\"state\": \"run\"").Count >= 48 + 6, 30_000), Is.True, Sv(temp, "status", "--json").Stdout);
            var result = Sv(temp, "status", "--json");
            Assert.That(result.ExitCode, Is.Zero, result.Stderr);

            using var doc = JsonDocument.Parse(result.Stdout);
            Assert.That(doc.RootElement.GetProperty("version").GetInt32(), Is.EqualTo(1));
            var services = doc.RootElement.GetProperty("services").EnumerateArray().ToList();
            Assert.That(services, Has.Count.EqualTo(50));
            foreach (var s in services)
            {
                Assert.That(s.EnumerateObject().Select(p => p.Name), Is.EqualTo(ServiceFields), "service fields, in order");
                Assert.That(s.GetProperty("service").EnumerateObject().Select(p => p.Name), Is.EqualTo(ProcessFields));
                Assert.That(s.GetProperty("service").GetProperty("state").GetString(), Is.AnyOf("run", "down", "finish"));
                var log = s.GetProperty("log");
                Assert.That(log.ValueKind, Is.EqualTo(s.GetProperty("name").GetString() is var n && n!.StartsWith('s') && int.Parse(n[1..]) % 8 == 0
                    ? JsonValueKind.Object : JsonValueKind.Null), n);
            }

            var sleeper = Service(doc, "s00").GetProperty("service");
            string runit = Run.Command(Supervised.RunitSv, "status", temp["service/s00"]).Stdout;
            Assert.That(runit, Does.StartWith($"run: {temp["service/s00"]}: (pid {sleeper.GetProperty("pid").GetInt32()}) "), "the same pid as runit's sv reads");
            Assert.That((sleeper.GetProperty("want").GetString(), sleeper.GetProperty("restarts").GetInt32(), Service(doc, "s00").GetProperty("up").GetBoolean()),
                Is.EqualTo(("up", 0, true)));

            var notify = Service(doc, "notify").GetProperty("service");
            Assert.That((notify.GetProperty("readiness").GetString(), notify.GetProperty("status_text").GetString()), Is.EqualTo(("ready", "serving 42 clients")),
                "sd_notify's READY=1 and STATUS= in the JSON status");

            Assert.That(Run.Until(() => Sv(temp, "status", "--json", "crash").Stdout.Contains("\"last_exit\": \"exit 3\""), 10_000), Is.True);
            using var crash = JsonDocument.Parse(Sv(temp, "status", "--json", "crash").Stdout);
            Assert.That(Service(crash, "crash").GetProperty("service").GetProperty("restarts").GetInt32(), Is.GreaterThanOrEqualTo(0));
            Assert.That(Service(crash, "crash").GetProperty("up").GetBoolean(), Is.False);
            Reliability.Record("observability", "sv status --json over 50 services (engine)", 1, "parsed by System.Text.Json; 50 objects with every documented field; pids match runit's sv; STATUS= text shown");
        }
        finally { Runsvdir.RunsvdirTests.Stop(runsvdir); }
    }

    [Test, CancelAfter(90_000)]
    public void Metrics_pass_promtools_check_and_a_strict_reading_of_the_format()
    {
        Requires.Installed(Requires.Promtool);
        using var temp = new TempDirectory();
        var runsvdir = StartFifty(temp);
        try
        {
            Assert.That(Run.Until(() => Sv(temp, "metrics").Stdout.Contains("init_service_last_exit_code{service=\"crash\"} 3"), 30_000), Is.True, Sv(temp, "metrics").Stdout);
            string metrics = Sv(temp, "metrics").Stdout;

            File.WriteAllText(temp["metrics.prom"], metrics);
            var promtool = Run.Shell($"{Requires.Promtool} check metrics < {temp["metrics.prom"]}");
            Assert.That(promtool.ExitCode, Is.Zero, promtool.Stdout + promtool.Stderr);
            Assert.That(promtool.Stdout + promtool.Stderr, Is.Empty.Or.Not.Contains("problem"), "no lint complaint");

            var samples = StrictlyRead(metrics);
            Assert.That(samples.Where(s => s.Name == "init_service_up").Select(s => s.Service).ToList(), Has.Count.EqualTo(50));
            Assert.That(samples.Single(s => s.Name == "init_service_up" && s.Service == "s01").Value, Is.EqualTo(1));
            Assert.That(samples.Single(s => s.Name == "init_service_ready" && s.Service == "notify").Value, Is.EqualTo(1));
            Assert.That(samples.Count(s => s.Name == "init_service_logger_up"), Is.EqualTo(6), "one per service with log/");
            Reliability.Record("observability", "sv metrics over 50 services (engine)", 1, "promtool check metrics: no problem; every line of the text format read strictly");
        }
        finally { Runsvdir.RunsvdirTests.Stop(runsvdir); }
    }

    private sealed record Sample(string Name, string Service, double Value);

    private static readonly Regex SampleLine = new(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)\{service=""((?:[^""\\\n]|\\[\\""n])*)""\} (\S+)$");

    /// <summary>The exposition format read strictly: HELP then TYPE before each family's samples, each family once, names and labels as the format allows, no sample twice.</summary>
    private static List<Sample> StrictlyRead(string text)
    {
        Assert.That(text, Does.EndWith("\n"));
        var samples = new List<Sample>();
        var families = new HashSet<string>();
        string? family = null;
        string? helped = null;
        foreach (string line in text[..^1].Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                helped = line.Split(' ')[2];
                Assert.That(families.Add(helped), Is.True, $"family {helped} twice");
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                Assert.That((parts.Length, parts[2], parts[3]), Is.EqualTo((4, helped, parts[3] is "gauge" or "counter" ? parts[3] : "a known type")), line);
                family = parts[2];
                continue;
            }
            var match = SampleLine.Match(line);
            Assert.That(match.Success, Is.True, $"not a sample line: {line}");
            Assert.That(match.Groups[1].Value, Is.EqualTo(family), $"a sample outside its family: {line}");
            Assert.That(double.TryParse(match.Groups[3].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double value), Is.True, line);
            if (family!.EndsWith("_total", StringComparison.Ordinal)) Assert.That(value, Is.GreaterThanOrEqualTo(0), "a counter is never negative");
            samples.Add(new Sample(family, match.Groups[2].Value, value));
        }
        Assert.That(samples.GroupBy(s => (s.Name, s.Service)).Where(g => g.Count() > 1), Is.Empty, "a sample twice");
        return samples;
    }
}
