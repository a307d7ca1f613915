using Init.Container;

namespace Init.Tests.Container;

/// <summary>Unit tests of the container entrypoint's small parsers (no process started).</summary>
[TestFixture, Category("Fast")]
public sealed class ParsingTests
{
    [TestCase("SIGKILL", 9), TestCase("SIGUSR1", 10), TestCase("SIGWINCH", 28), TestCase("SIGSYS", 31)]
    [TestCase("KILL", 0), TestCase("9", 0), TestCase("sigkill", 0), TestCase("SIGPWR", 0), TestCase("", 0)]
    [MaxTime(5_000)]
    public void Only_tinis_exact_signal_names_are_accepted_for_p(string name, int expected) =>
        Assert.That(SignalNames.Parse(name), Is.EqualTo(expected));

    [TestCase("15:0", 15, 0), TestCase("1:31", 1, 31), TestCase("20:19junk", 20, 19)]
    [MaxTime(5_000)]
    public void Dumb_init_rewrites_parse_like_sscanf(string text, int signo, int replacement)
    {
        Assert.That(DumbInitCommandLine.TryRewrite(text, out int s, out int r), Is.True);
        Assert.That((s, r), Is.EqualTo((signo, replacement)));
    }

    [TestCase("0:1"), TestCase("32:1"), TestCase("1:32"), TestCase("1"), TestCase(":1"), TestCase("a:b"), TestCase("1:-1")]
    [MaxTime(5_000)]
    public void Dumb_init_rewrites_out_of_range_or_malformed_are_refused(string text) =>
        Assert.That(DumbInitCommandLine.TryRewrite(text, out _, out _), Is.False);

    [TestCase("3", 3), TestCase(" 2x", 2), TestCase("-1", -1), TestCase("", 0), TestCase("abc", 0)]
    [MaxTime(5_000)]
    public void TINI_VERBOSITY_is_read_like_atoi(string text, int expected) =>
        Assert.That(TiniCommandLine.Atoi(text), Is.EqualTo(expected));

    [TestCase("10", 10_000L), TestCase("0.5", 500L), TestCase("0", 0L)]
    [MaxTime(5_000)]
    public void Grace_periods_are_seconds_with_decimals(string text, long ms)
    {
        Assert.That(Grace.TryParse(text, out long parsed), Is.True);
        Assert.That(parsed, Is.EqualTo(ms));
    }

    [TestCase("-1"), TestCase("ten"), TestCase("1e9"), TestCase("")]
    [MaxTime(5_000)]
    public void Invalid_grace_periods_are_refused(string text) => Assert.That(Grace.TryParse(text, out _), Is.False);

    [Test, MaxTime(5_000)]
    public void Process_group_forwarding_and_remaps_come_from_tinis_options_and_environment()
    {
        var env = new Dictionary<string, string?> { ["TINI_KILL_PROCESS_GROUP"] = "", ["TINI_VERBOSITY"] = "3" };

        var r = TiniCommandLine.Parse("tini", "tini", ["-e", "143", "-e3", "-sw", "--", "cmd", "-v"], k => env.GetValueOrDefault(k), "0");

        var o = r.Options!;
        Assert.That(o.Command, Is.EqualTo(new[] { "cmd", "-v" }));
        Assert.That((o.SignalProcessGroup, o.Subreaper, o.WarnOnReap, o.Verbosity), Is.EqualTo((true, true, true, 3)));
        Assert.That(Enumerable.Range(0, 256).Where(c => o.RemapToZero[c]), Is.EqualTo(new[] { 3, 143 }));
        Assert.That(o.DescendantGraceMs, Is.EqualTo(-1));
    }

    [Test, MaxTime(5_000)]
    public void Dumb_init_setsid_mode_rewrites_job_control_signals_to_SIGSTOP_unless_told_otherwise()
    {
        var r = DumbInitCommandLine.Parse("dumb-init", ["--rewrite", "20:15", "--single", "cmd"], _ => null, "0");
        var setsid = DumbInitCommandLine.Parse("dumb-init", ["-r", "20:15", "cmd"], _ => null, "0");

        Assert.That((r.Options!.NewSession, r.Options.Translate(20), r.Options.Translate(21)), Is.EqualTo((false, 15, 21)));
        Assert.That((setsid.Options!.NewSession, setsid.Options.Translate(20), setsid.Options.Translate(21), setsid.Options.Translate(22)),
            Is.EqualTo((true, 15, 19, 19)));
    }
}
