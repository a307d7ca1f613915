using Init.Tests.Support;

namespace Init.Tests.Cli;

/// <summary>
/// <c>init analyze</c> on timelines written by hand: what it prints for a boot, and what it says
/// (and exits with) when the files are missing, garbled or not a timeline at all.
/// </summary>
public class AnalyzeTests
{
    /// <summary>A system boot: PID 1 at 0.9 s, stage 2 at 1.3 s; web needs db; lazy is normally down.</summary>
    private static TempDirectory Boot()
    {
        var temp = new TempDirectory();
        temp.Write("timeline/stages", "mode system\ninit 0.900\nstage2 1.300\n");
        temp.Write("timeline/service-directory", temp["service"] + "\n");
        temp.Write("timeline/service/db", "start 1.340\nready 2.000\n");
        temp.Write("timeline/service/web", "needs db\nwaiting 1.345\nstart 2.100\nready 2.400\n");
        foreach (string s in new[] { "db", "web", "lazy" }) temp.Script($"service/{s}/run", "exec sleep 1000\n");
        temp.Write("service/lazy/down", "");
        return temp;
    }

    private static RunResult Analyze(TempDirectory temp, params string[] args) =>
        Run.Command(Binary.Init, ["analyze", .. args], environment: new Dictionary<string, string?> { ["INIT_TIMELINE"] = temp["timeline"], ["SVDIR"] = null });

    [Test, CancelAfter(10_000)]
    public void A_finished_boot_prints_its_parts_every_service_with_its_times_and_the_critical_chain_and_exits_0()
    {
        using var temp = Boot();

        var r = Analyze(temp);

        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        Assert.That(r.Stdout, Does.StartWith("boot: 2.400s = kernel 900ms + stage 1 400ms + services 1.100s (the last ready: web)\n"));
        Assert.That(r.Stdout, Does.Contain("  660ms  db          @1.340s     @2.000s\n"));
        Assert.That(r.Stdout, Does.Contain("  300ms  web         @2.100s     @2.400s  waited 755ms for db\n"));
        Assert.That(r.Stdout, Does.Contain("      -  lazy              -           -  not started (normally down)\n"), "found in the service directory PID 1 named");
        Assert.That(r.Stdout, Does.EndWith("web @2.100s +300ms\n└─db @1.340s +660ms\n  └─stage 2 @1.300s\n"));
        Assert.That(r.Stderr, Is.Empty);
    }

    [Test, CancelAfter(10_000)]
    public void Blame_and_critical_chain_alone_and_an_unknown_service_is_named_with_exit_1()
    {
        using var temp = Boot();

        var blame = Analyze(temp, "blame");
        var chain = Analyze(temp, "critical-chain", "db", "nosuch");

        Assert.That(blame.ExitCode, Is.Zero, blame.ToString());
        Assert.That(blame.Stdout, Does.StartWith("blame (start to ready, slowest first):\n"));
        Assert.That(blame.Stdout, Does.Not.Contain("critical chain"));
        Assert.That(chain.ExitCode, Is.EqualTo(1), chain.ToString());
        Assert.That(chain.Stdout, Is.EqualTo("db @1.340s +660ms\n└─stage 2 @1.300s\n"));
        Assert.That(chain.Stderr, Is.EqualTo("init analyze: warning: nosuch: no such service in the timeline\n"));
    }

    [Test, CancelAfter(10_000)]
    public void A_boot_still_waiting_for_a_service_says_which_and_exits_1()
    {
        using var temp = Boot();
        temp.Write("timeline/service/web", "needs db\nwaiting 1.345\nstart 2.100\n");

        var r = Analyze(temp);

        Assert.That(r.ExitCode, Is.EqualTo(1), r.ToString());
        Assert.That(r.Stdout, Does.StartWith("boot: not finished: 1 service(s) not ready yet: web\n"));
        Assert.That(r.Stdout, Does.Contain("not ready yet"));
    }

    [Test, CancelAfter(10_000)]
    public void Garbled_files_and_a_FIFO_are_named_with_what_is_wrong_the_rest_is_shown_and_the_exit_is_1()
    {
        using var temp = Boot();
        temp.Write("timeline/service/db", "start 1.340\nready soon\n");
        File.WriteAllBytes(temp["timeline/service/bin"], [0x7f, (byte)'E', (byte)'L', (byte)'F', 0, 1, 2]);
        temp.Write("timeline/service/odd", "start 5.000\nready 4.000\n");
        temp.Write("timeline/stages", "mode system\ninit yesterday\nstage2 1.300\n");
        Assert.That(Run.Command("/usr/bin/mkfifo", temp["timeline/service/fifo"]).ExitCode, Is.Zero, "a FIFO, which must not stall the reader");

        var r = Analyze(temp);

        Assert.That(r.ExitCode, Is.EqualTo(1), r.ToString());
        Assert.That(r.Stderr, Does.Contain($"init analyze: warning: {temp["timeline/service/db"]}: line 2: ready: not seconds: \"soon\": ignored\n"));
        Assert.That(r.Stderr, Does.Contain($"init analyze: warning: {temp["timeline/service/bin"]}: not a timeline (binary): ignored\n"));
        Assert.That(r.Stderr, Does.Contain($"init analyze: warning: {temp["timeline/service/odd"]}: ready before start: not a timeline: ignored\n"));
        Assert.That(r.Stderr, Does.Contain($"init analyze: warning: {temp["timeline/stages"]}: line 2: init: not seconds: \"yesterday\": ignored\n"));
        Assert.That(r.Stderr, Does.Contain($"init analyze: warning: {temp["timeline/service/fifo"]}: not a timeline (not a plain file): ignored\n"));
        Assert.That(r.Stdout, Does.Contain(" web "), "what could be read is still shown");
        Assert.That(r.Stdout, Does.Contain("not ready yet"), "db: started, its ready unreadable");
    }

    [Test, CancelAfter(10_000)]
    public void No_timeline_at_all_and_a_wrong_word_exit_100_with_Inits_words()
    {
        using var temp = new TempDirectory();

        var missing = Analyze(temp);
        Directory.CreateDirectory(temp["timeline"]);
        var empty = Analyze(temp);
        var usage = Analyze(temp, "blame", "extra");

        Assert.That(missing.ExitCode, Is.EqualTo(100), missing.ToString());
        Assert.That(missing.Stderr, Does.StartWith($"init analyze: fatal: no timeline in {temp["timeline"]}: PID 1 is not Init"));
        Assert.That(empty.ExitCode, Is.EqualTo(100), empty.ToString());
        Assert.That(empty.Stderr, Is.EqualTo($"init analyze: fatal: nothing recorded in {temp["timeline"]}\n"));
        Assert.That(usage.ExitCode, Is.EqualTo(100));
        Assert.That(usage.Stderr, Does.StartWith("init analyze: fatal: unknown command: blame extra\nusage: init analyze"));
        Assert.That(Run.Command(Binary.Init, "analyze", "--help").Stdout, Does.Contain("exit: 0 done; 1 the boot has not finished"));
    }

    [Test, CancelAfter(20_000)]
    public void The_plot_is_an_SVG_that_rsvg_convert_turns_into_a_PNG()
    {
        Requires.Installed("/usr/bin/rsvg-convert");
        using var temp = Boot();
        temp.Write("timeline/service/we<ird & \"name\"", "start 1.5\nready 1.6\n");

        var r = Analyze(temp, "plot");
        File.WriteAllText(temp["boot.svg"], r.Stdout);
        var png = Run.Command("/usr/bin/rsvg-convert", "-o", temp["boot.png"], temp["boot.svg"]);

        Assert.That(r.ExitCode, Is.Zero, r.ToString());
        Assert.That(r.Stdout, Does.StartWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg "));
        Assert.That(r.Stdout, Does.Contain(">we&lt;ird &amp; &quot;name&quot;</text>"));
        Assert.That(png.ExitCode, Is.Zero, png.ToString());
        Assert.That(File.ReadAllBytes(temp["boot.png"])[..8], Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10 }));
    }
}
