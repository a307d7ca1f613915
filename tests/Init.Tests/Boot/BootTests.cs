namespace Init.Tests.Boot;

/// <summary>
/// Init booted by Debian's kernel under QEMU from an initramfs with nothing mounted. Few, and as
/// fast as TCG allows (each boot is ~10 s); every one has a hard timeout and kills QEMU when done.
/// </summary>
[TestFixture, NonParallelizable]
public class BootTests
{
    private static readonly string[] Services = ["clock", "echo", "report", "stubborn", "db", "cache", "web"];
    /// <summary>Those stage 3 stops within the grace (stubborn ignores TERM and is killed).</summary>
    private static readonly string[] Polite = ["clock", "clock/log", "echo", "report", "db", "cache", "web"];

    [OneTimeSetUp]
    public void BuildImages() => QemuVm.EnsureImages();

    [Test, CancelAfter(150_000)]
    public void Built_in_stages_mount_start_every_service_analyze_the_boot_and_poweroff_kills_the_one_ignoring_TERM()
    {
        using var vm = new QemuVm("builtin", "demo=poweroff demo.analyze init.StopGraceSeconds=2");

        int? exit = vm.WaitForExit(120_000);
        string console = vm.Console;

        Assert.That(exit, Is.Not.Null, "QEMU did not power off in time\n" + console);
        Assert.That(console, Does.Contain("stage 1: built-in stages"));
        Assert.That(console, Does.Contain("stage 1: mounted /proc /sys /dev /dev/pts /dev/shm /run /sys/fs/cgroup"), console);
        Assert.That(console, Does.Contain("stage 1: hostname init-demo"));
        Assert.That(console, Does.Contain("stage 1 hook:"));
        Assert.That(console, Does.Contain("demo: all services up"));
        foreach (var s in Services) Assert.That(console, Does.Contain($"run: /etc/service/{s}: (pid "), console);
        Assert.That(console, Does.Contain("stage 3: poweroff (runit-init (stopit))"), console);
        foreach (var s in Polite) Assert.That(console, Does.Contain($"stage 3: {s}: stopped"), console);
        Assert.That(console, Does.Contain("stage 3: stubborn: killed after"), console);
        Assert.That(console, Does.Match(@"stage 3: waiting for stubborn \(1\.\ds\)\n"), "stage 3 names what it waits for every second");
        Assert.That(console, Does.Contain("stage 3 hook: bye"));
        Assert.That(console, Does.Contain("reboot: Power down"));
        Assert.That(console, Does.Not.Contain("Kernel panic"));
        AssertAnalyzed(console, "builtin");
    }

    /// <summary>
    /// What the report service printed with demo.analyze: `init analyze` (every service with its start
    /// and ready times, the critical chain web &lt;- db &lt;- stage 2) and `init analyze plot`, an SVG
    /// naming every service, saved in artifacts/test-results/ with the PNG rsvg-convert makes of it
    /// (and the text: the README's example and picture are a run of this).
    /// </summary>
    private static void AssertAnalyzed(string console, string variant)
    {
        string analysis = Between(console, "demo: init analyze\n", "demo: init analyze exit ");
        string svg = Between(console, "demo: init analyze plot\n", "demo: end of plot");
        string results = Path.Combine(Support.Binary.Directory, "..", "test-results");
        Directory.CreateDirectory(results);
        string svgFile = Path.Combine(results, $"boot-timeline-{variant}.svg"), pngFile = Path.ChangeExtension(svgFile, ".png");
        File.WriteAllText(svgFile, svg);
        File.WriteAllText(Path.ChangeExtension(svgFile, ".txt"), analysis);

        Assert.That(console, Does.Contain("demo: init analyze exit 0\n"), analysis);
        Assert.That(console, Does.Contain("demo: end of plot (exit 0)\n"));
        Assert.That(analysis, Does.Match(@"^boot: \d+\.\d{3}s = kernel \S+ \+ stage 1 \S+ \+ services \S+ \(the last ready: web\)\n"), analysis);
        foreach (var s in Services) Assert.That(analysis, Does.Match($@"\n +\d+ms  {s} +@\d+\.\d{{3}}s +@\d+\.\d{{3}}s"), $"{s} with its start and ready times\n{analysis}");
        Assert.That(analysis, Does.Match(@"\n +\d+ms  web +@\S+ +@\S+  waited \S+ for cache db\n"), analysis);
        // web needs db and cache: the chain goes through whichever was ready last (under TCG either may be).
        double Ready(string service) => double.Parse(System.Text.RegularExpressions.Regex.Match(analysis, $@"\n +\d+ms  {service} +@\S+ +@(\d+\.\d{{3}})s").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        string last = Ready("db") >= Ready("cache") ? "db" : "cache";
        Assert.That(analysis, Does.Match($@"\nweb @\d+\.\d{{3}}s \+\d+ms\n└─{last} @\d+\.\d{{3}}s \+\d+ms\n  └─stage 2 @\d+\.\d{{3}}s\n$"), "the critical chain\n" + analysis);

        var document = new System.Xml.XmlDocument();
        document.LoadXml(svg);
        string texts = string.Join("\n", document.GetElementsByTagName("text").Cast<System.Xml.XmlNode>().Select(n => n.InnerText));
        foreach (var s in Services.Append("kernel").Append("stage 1")) Assert.That(texts, Does.Contain($"\n{s}\n"), $"a row for {s} in {svgFile}");

        // rsvg-convert (librsvg2-bin, which .ci/setup installs) draws it: the picture in the README comes from here.
        Support.Requires.Installed("/usr/bin/rsvg-convert");
        var png = Support.Run.Command("/usr/bin/rsvg-convert", "-o", pngFile, svgFile);
        Assert.That(png.ExitCode, Is.Zero, png.ToString());
        Assert.That(File.ReadAllBytes(pngFile)[..4], Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));
    }

    /// <summary>The console's text between two lines of the report service (serial line ends made plain).</summary>
    private static string Between(string console, string from, string until)
    {
        console = console.Replace("\r", "");
        int start = console.IndexOf(from, StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), $"no \"{from.Trim()}\" on the console\n{console}");
        start += from.Length;
        int end = console.IndexOf(until, start, StringComparison.Ordinal);
        Assert.That(end, Is.GreaterThanOrEqualTo(0), $"no \"{until}\" on the console\n{console}");
        return console[start..end];
    }

    [Test, CancelAfter(150_000)]
    public void Ctrl_alt_del_from_the_QEMU_monitor_stops_every_service_and_reboots()
    {
        using var vm = new QemuVm("builtin", "init.StopGraceSeconds=2");
        Assert.That(vm.WaitFor("demo: all services up", 90_000), Is.True, vm.Console);
        Assert.That(vm.WaitFor("run: /etc/service/stubborn", 5_000), Is.True, vm.Console);

        vm.SendMonitor("sendkey ctrl-alt-delete");
        int? exit = vm.WaitForExit(60_000);
        string console = vm.Console;

        Assert.That(exit, Is.Not.Null, "QEMU did not end after ctrl-alt-del\n" + console);
        Assert.That(console, Does.Contain("ctrl-alt-del"));
        Assert.That(console, Does.Contain("stage 3: reboot (ctrl-alt-del)"), console);
        foreach (var s in Polite) Assert.That(console, Does.Contain($"stage 3: {s}: stopped"), console);
        Assert.That(console, Does.Contain("stage 3: stubborn: killed after"), console);
        Assert.That(console, Does.Contain("reboot: Restarting system"), console);
    }

    [Test, CancelAfter(150_000)]
    public void Runit_stage_scripts_run_with_runit_rules_and_poweroff_uses_runit_inits_protocol()
    {
        using var vm = new QemuVm("runit", "demo=poweroff demo.analyze STOP_WAIT=2");

        int? exit = vm.WaitForExit(120_000);
        string console = vm.Console;

        Assert.That(exit, Is.Not.Null, "QEMU did not power off in time\n" + console);
        Assert.That(console, Does.Contain("enter stage: /etc/runit/1"));
        Assert.That(console, Does.Contain("leave stage: /etc/runit/1 (exit 0)"));
        Assert.That(console, Does.Contain("enter stage: /etc/runit/2"));
        foreach (var s in Services) Assert.That(console, Does.Contain($"run: /etc/service/{s}: (pid "), console);
        Assert.That(console, Does.Contain("stage 3: poweroff (runit-init (stopit))"), console);
        Assert.That(console, Does.Contain("enter stage: /etc/runit/3"));
        foreach (var s in Polite.Where(s => !s.EndsWith("/log"))) Assert.That(console, Does.Contain($"ok: down: /etc/service/{s}:"), console);
        Assert.That(console, Does.Contain("kill: run: /etc/service/stubborn"), console);
        Assert.That(console, Does.Contain("reboot: Power down"), console);
        // runit's /etc/runit/2 starts runsvdir with an empty environment: the supervisors find PID 1's timeline by its default place.
        AssertAnalyzed(console, "runit");
    }

    [Test, CancelAfter(150_000)]
    public void Inits_poweroff_stops_runits_own_PID_1_through_runit_inits_protocol()
    {
        using var vm = new QemuVm("runit", "demo=poweroff STOP_WAIT=2", init: "/sbin/runit");

        int? exit = vm.WaitForExit(120_000);
        string console = vm.Console;

        Assert.That(exit, Is.Not.Null, "runit did not power off in time\n" + console);
        Assert.That(console, Does.Contain("- runit: enter stage: /etc/runit/2"), "runit itself is PID 1\n" + console);
        Assert.That(console, Does.Contain("demo: poweroff at"));
        Assert.That(console, Does.Contain("- runit: enter stage: /etc/runit/3"), console);
        Assert.That(console, Does.Contain("reboot: Power down"), console);
    }

    [Test, CancelAfter(180_000)]
    public void Cgroup_limits_OOM_kills_and_a_failing_spawn_in_the_guest()
    {
        using var vm = new QemuVm("builtin", "demo=cgroup init.StopGraceSeconds=2", timeoutSeconds: 160);

        int? exit = vm.WaitForExit(170_000);
        string console = vm.Console;
        string Line(string prefix) => console.Split('\n').FirstOrDefault(l => l.StartsWith("cgroup-demo: " + prefix, StringComparison.Ordinal)) ?? "";

        Assert.That(exit, Is.Not.Null, "QEMU did not power off in time\n" + console);
        Assert.That(console, Does.Contain("cgroup-demo: done"), console);
        Assert.That(Line("controllers:"), Does.Contain("memory").And.Contain("pids"), "stage 1's cgroup2 delegates to the services\n" + console);
        // Debian's kernel is past 6.0: stage 1's cgroup2 favours the engine's moves over fork and exit.
        Assert.That(Line("mount:"), Does.Contain("cgroup2").And.Contain("nsdelegate").And.Contain("favordynmods"), console);
        // limits/memory.max 32M: written before ./run, and the 64 MiB allocation ends in the OOM killer, said as such.
        Assert.That(Line("hog memory.max:"), Does.EndWith("33554432"), console);
        Assert.That(Line("hog json:"), Does.Contain("\"last_exit\":\"signal9(oom)\"").And.Contain("\"failed\":true").And.Contain("/services/hog/run"), console);
        Assert.That(Line("hog json:"), Does.Match("\"oom_kills\":[1-9]"), console);
        Assert.That(Line("hog metrics:"), Does.Match("init_service_oom_kills_total\\{service=\"hog\"\\} [1-9]").And.Contain("init_service_last_exit_code{service=\"hog\"} 137"), console);
        Assert.That(console, Does.Contain("killed by the OOM killer"), console);
        // limits/pids.max 6: the shell's sixth fork is refused (5 sleepers and itself), counted by the kernel.
        Assert.That(Line("forker pids.max:"), Does.Match("pids.max: 6 forks tried: 6 max [1-9]"), console);
        // The engine's own spawn fails (its cgroup at pids.max): said, retried, and the service runs once it may.
        Assert.That(console, Does.Contain("runsv echo: fatal: unable to start ./run"), console);
        Assert.That(Line("echo after:"), Does.Match("run: /etc/service/echo: \\(pid [0-9]+\\) [0-9]+s$"), console);
        Assert.That(console, Does.Not.Contain("internal error"));
        Assert.That(console, Does.Contain("reboot: Power down"), console);
    }
}
