using System.Xml;
using Init.Supervision;
using Init.Timeline;

namespace Init.Tests.Unit;

/// <summary>
/// The boot timeline's pure parts: what a supervisor notes at each change of its process, the
/// files' format, and init analyze's arithmetic (blame, the critical chain) and its SVG.
/// </summary>
[TestFixture]
public class TimelineTests
{
    private static readonly ObservedProcess Down = new(RunState.Down, 0, Readiness.None);
    private static ObservedProcess Run(int pid, Readiness readiness = Readiness.None) => new(RunState.Run, pid, readiness);

    private static ServiceTimeline Times(long? start, long? ready, string[]? needs = null, long? waiting = null) =>
        new(needs ?? [], waiting, start, ready, null, null);

    // ---- what a supervisor notes ----------------------------------------------------------

    [Test, MaxTime(5_000)]
    public void A_service_declaring_no_readiness_is_ready_at_its_start_and_its_dependencies_are_read_then()
    {
        int reads = 0;
        var t = ServiceTimeline.Empty.After(Down, Run(10), waiting: false, atMs: 1500, () => { reads++; return ["db"]; });

        Assert.That(t, Is.EqualTo(Times(1500, 1500) with { Needs = t.Needs }));
        Assert.That(t.Needs, Is.EqualTo(new[] { "db" }));
        Assert.That(reads, Is.EqualTo(1));
    }

    [Test, MaxTime(5_000)]
    public void A_service_declaring_readiness_is_ready_when_it_says_so_and_a_restart_keeps_the_first_start_and_ready()
    {
        var t = ServiceTimeline.Empty.After(Down, Run(10, Readiness.Starting), false, 1000, () => []);
        t = t.After(Run(10, Readiness.Starting), Run(10, Readiness.Ready), false, 1400, () => []);
        t = t.After(Run(10, Readiness.Ready), Down, false, 9000, () => []);
        t = t.After(Down, Run(11, Readiness.Starting), false, 10_000, () => throw new AssertionException("needs are read at the first start only"));

        Assert.That(t, Is.EqualTo(new ServiceTimeline(t.Needs, null, 1000, 1400, 10_000, 9000)));
        Assert.That(t.Running, Is.True, "started again after its stop");
    }

    [Test, MaxTime(5_000)]
    public void A_oneshot_is_ready_once_its_up_exited_and_that_is_no_stop()
    {
        var t = ServiceTimeline.Empty.After(Down, Run(20, Readiness.Starting), false, 100, () => []);
        t = t.After(Run(20, Readiness.Starting), Run(0, Readiness.Ready), false, 350, () => []);

        Assert.That(t, Is.EqualTo(Times(100, 350) with { Needs = t.Needs }));
        Assert.That(t.Running, Is.True);
    }

    [Test, MaxTime(5_000)]
    public void A_restart_within_one_event_is_a_stop_and_a_start_and_the_first_wait_alone_is_kept()
    {
        var t = ServiceTimeline.Empty.After(Down, Down, waiting: true, 200, () => []);
        t = t.After(Down, Down, waiting: true, 300, () => []);
        t = t.After(Down, Run(5), false, 700, () => ["a"]);
        t = t.After(Run(5), Run(6), false, 5000, () => []);

        Assert.That(t, Is.EqualTo(new ServiceTimeline(t.Needs, 200, 700, 700, 5000, 5000)));
    }

    [Test, MaxTime(5_000)]
    public void A_process_that_was_running_before_its_supervisor_is_no_start()
    {
        var t = ServiceTimeline.Empty.After(Run(10, Readiness.Ready), Run(10, Readiness.Ready), false, 100, () => []);
        Assert.That(t, Is.SameAs(ServiceTimeline.Empty));
    }

    // ---- the files -----------------------------------------------------------------------

    [Test, MaxTime(5_000)]
    public void A_timeline_reads_back_as_written()
    {
        var written = new ServiceTimeline(["cache", "db"], 1905, 2310, 2611, 40_002, 38_120);

        string text = written.Format();
        var problems = new List<string>();
        var back = ServiceTimeline.Parse(text, problems);

        Assert.That(text, Is.EqualTo("needs cache db\nwaiting 1.905\nstart 2.310\nready 2.611\nrestart 40.002\nstop 38.120\n"));
        Assert.That(back with { Needs = written.Needs }, Is.EqualTo(written));
        Assert.That(back.Needs, Is.EqualTo(written.Needs));
        Assert.That(problems, Is.Empty);
    }

    [Test, MaxTime(5_000)]
    public void Bad_lines_are_named_and_left_out_and_fields_of_a_later_version_are_skipped()
    {
        var problems = new List<string>();
        var t = ServiceTimeline.Parse("start 1.5\nready soon\nstop -1\nlater 3\nready 1.75\n", problems);

        Assert.That(t, Is.EqualTo(Times(1500, 1750)));
        Assert.That(problems, Is.EqualTo(new[] { "line 2: ready: not seconds: \"soon\"", "line 3: stop: not seconds: \"-1\"" }));
    }

    [TestCase("12", 12_000L), TestCase("12.3", 12_300L), TestCase("12.34", 12_340L), TestCase("0.005", 5L)]
    [TestCase("", null), TestCase("1.", null), TestCase(".5", null), TestCase("1.2345", null), TestCase("1e3", null), TestCase("+1", null), TestCase(" 1", null)]
    [MaxTime(5_000)]
    public void Seconds_are_digits_with_at_most_three_decimals(string text, long? ms) =>
        Assert.That(ServiceTimeline.ParseSeconds(text), Is.EqualTo(ms));

    [Test, MaxTime(5_000)]
    public void PID_1s_stages_read_back_and_a_bad_mode_is_named()
    {
        var stages = new StageTimeline("system", 812, 1430, null);
        var problems = new List<string>();

        Assert.That(StageTimeline.Parse(stages.Format(), problems), Is.EqualTo(stages));
        Assert.That(StageTimeline.Parse("mode vm\ninit 1\n", problems), Is.EqualTo(new StageTimeline("system", 1000, null, null)));
        Assert.That(problems, Is.EqualTo(new[] { "line 1: mode: not system or container: \"vm\"" }));
    }

    // ---- the analysis ----------------------------------------------------------------------

    /// <summary>A boot: cache and db need nothing, web needs both (db was ready last), app needs web; x is normally down.</summary>
    private static BootAnalysis Boot(bool xStarted = false) => new(new StageTimeline("system", 900, 1300, null),
    [
        new("cache", Times(1350, 1500)),
        new("db", Times(1340, 2000)),
        new("web", Times(2100, 2400, ["cache", "db"], waiting: 1345)),
        new("app", Times(2500, 2550, ["web"], waiting: 1350)),
        new("clock", Times(1320, 1320)),
        new("x", xStarted ? Times(9000, 9100) : ServiceTimeline.Empty, NormallyUp: false, Recorded: xStarted),
    ]);

    [Test, MaxTime(5_000)]
    public void The_critical_chain_goes_back_through_the_dependency_ready_last_before_each_start()
    {
        var boot = Boot();

        Assert.That(boot.Last?.Name, Is.EqualTo("app"));
        Assert.That(boot.CriticalChain(boot.Last!).Select(s => s.Name), Is.EqualTo(new[] { "app", "web", "db" }));
        Assert.That(boot.FinishedMs, Is.EqualTo(2550));
    }

    [Test, MaxTime(5_000)]
    public void A_dependency_ready_only_after_the_start_did_not_hold_it_back_and_a_cycle_in_the_files_ends_the_chain()
    {
        var boot = new BootAnalysis(null,
        [
            new("a", Times(100, 200, ["b"])),
            new("b", Times(50, 90, ["a"])),
            new("late", Times(10, 5000)),
            new("c", Times(300, 400, ["a", "late"])),
        ]);

        Assert.That(boot.CriticalChain(boot.Find("c")!).Select(s => s.Name), Is.EqualTo(new[] { "c", "a", "b" }), "late was not ready at c's start; b -> a is a cycle");
    }

    [Test, MaxTime(5_000)]
    public void The_boot_is_finished_only_once_every_normally_up_service_is_ready_and_a_normally_down_one_started_later_does_not_count()
    {
        var notReady = new BootAnalysis(null, [new("a", Times(100, 200)), new("b", Times(150, null))]);

        Assert.That(notReady.FinishedMs, Is.Null);
        Assert.That(notReady.NotReady.Select(s => s.Name), Is.EqualTo(new[] { "b" }));
        Assert.That(Boot(xStarted: true).FinishedMs, Is.EqualTo(2550), "x was started by hand, long after the boot");
    }

    [Test, MaxTime(5_000)]
    public void The_report_gives_the_boots_parts_blame_with_times_and_the_chain_as_systemd_analyze_draws_it()
    {
        string report = AnalysisText.Report(Boot());

        Assert.That(report, Is.EqualTo("""
            boot: 2.550s = kernel 900ms + stage 1 400ms + services 1.250s (the last ready: app)
            times: @ seconds since the kernel started (CLOCK_MONOTONIC: the console's clock), + how long

            blame (start to ready, slowest first):
                   took  service       start       ready
                  660ms  db          @1.340s     @2.000s
                  300ms  web         @2.100s     @2.400s  waited 755ms for cache db
                  150ms  cache       @1.350s     @1.500s
                   50ms  app         @2.500s     @2.550s  waited 1.150s for web
                    0ms  clock       @1.320s     @1.320s
                      -  x                 -           -  not started (normally down)

            critical chain (what app, ready last, waited for; @ started, + until ready):
            app @2.500s +50ms
            └─web @2.100s +300ms
              └─db @1.340s +660ms
                └─stage 2 @1.300s

            """.ReplaceLineEndings("\n")));
    }

    // ---- the picture -------------------------------------------------------------------------

    [Test, MaxTime(5_000)]
    public void The_plot_is_well_formed_SVG_with_a_row_for_every_service_and_an_arrow_for_every_dependency()
    {
        var boot = Boot();
        var document = new XmlDocument();

        document.LoadXml(TimelineSvg.Render(boot));

        var ns = new XmlNamespaceManager(document.NameTable);
        ns.AddNamespace("s", "http://www.w3.org/2000/svg");
        var texts = document.SelectNodes("//s:text", ns)!.Cast<XmlNode>().Select(n => n.InnerText).ToList();
        Assert.That(document.DocumentElement!.LocalName, Is.EqualTo("svg"));
        foreach (var s in boot.Services) Assert.That(texts, Does.Contain(s.Name), $"a row for {s.Name}");
        Assert.That(texts, Does.Contain("kernel").And.Contain("stage 1"));
        Assert.That(document.SelectNodes("//s:line[@marker-end]", ns)!.Count, Is.EqualTo(3), "web <- cache, web <- db, app <- web");
        Assert.That(texts[0], Does.StartWith("Boot").And.EndWith(": 2.550s"));
    }

    [Test, MaxTime(5_000)]
    public void Any_service_name_gives_a_well_formed_plot_special_characters_escaped_and_what_XML_cannot_carry_replaced()
    {
        string[] names = ["a<b&c", "q\"u'o>te", "ctl\u0001\u001b[31m", "lone\ud800surrogate", "emoji😀", "nonchar\uffff"];
        var boot = new BootAnalysis(null, names.Select((n, i) => new ServiceEntry(n, Times(100 * i, 100 * i + 50, i > 0 ? [names[i - 1]] : []))).ToList());

        var document = new XmlDocument();
        document.LoadXml(TimelineSvg.Render(boot));

        string all = document.DocumentElement!.InnerText;
        Assert.That(all, Does.Contain("a<b&c").And.Contain("q\"u'o>te").And.Contain("emoji😀"));
        Assert.That(all, Does.Contain("lone?surrogate").And.Contain("nonchar?"));
        Assert.That(all, Does.Not.Contain("\u001b"), "no control character reaches the picture");
        Assert.That(TimelineSvg.Escape("<&>\"'"), Is.EqualTo("&lt;&amp;&gt;&quot;&apos;"));
    }
}
