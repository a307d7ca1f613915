using Init.Tests.Support;

namespace Init.Tests.Runsv;

/// <summary>
/// Health checks (<c>health</c>, <c>health-interval</c>, <c>health-retries</c>) under our runsv and
/// the engine, and <c>init health</c>, the one probe of a multi-service container.
/// </summary>
public class HealthTests
{
    private const string Ours = "ours";

    private static string Runsv(string which) => which == Ours ? Binary.Applet("runsv") : which;

    private static RunResult InitHealth(TempDirectory temp, params string[] services) =>
        Run.Command(Binary.Init, ["health", .. services], environment: new Dictionary<string, string?> { ["SVDIR"] = temp.Path });

    [TestCase(Ours), TestCase(Supervised.Engine), CancelAfter(60_000)]
    public void A_failing_health_check_restarts_the_service_after_the_retries_and_init_health_says_so(string runsv)
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "#!/bin/sh\nexec sleep 1000\n");
        temp.Script("svc/health", $"#!/bin/sh\n[ -e {temp["ok"]} ]\n");
        temp.Write("svc/health-interval", "300\n");
        temp.Write("svc/health-retries", "2\n");
        File.WriteAllText(temp["ok"], "");
        using var supervised = new Supervised(temp["svc"], Runsv(runsv));
        int pid = supervised.WaitRunning().Pid;
        string health = Path.Combine(supervised.Supervise(), "health");

        Assert.That(Run.Until(() => File.Exists(health) && File.ReadAllText(health).StartsWith("healthy\n"), 10_000), Is.True, "never healthy");
        var well = InitHealth(temp, "svc");
        Assert.That((well.ExitCode, well.Stdout), Is.EqualTo((0, "")));

        File.Delete(temp["ok"]);

        Assert.That(Run.Until(() => supervised.TryStatus(out var r) && r.Pid != 0 && r.Pid != pid, 15_000), Is.True, "not restarted after failing twice");
        Assert.That(File.ReadAllText(Path.Combine(supervised.Supervise(), "health")), Does.Contain("given_up 1\n"));
        string err = runsv == Ours ? temp["svc.runsv.err"] : temp["svc.engine.err"];
        Assert.That(File.ReadAllText(err), Does.Contain("warning: health failed 2 times in a row: stopping it"));
        var ill = InitHealth(temp, "svc");
        Assert.That(ill.ExitCode, Is.EqualTo(1));
        Assert.That(ill.Stdout, Does.Match(@"^svc: (health check has not passed yet|unhealthy)\n$"));

        File.WriteAllText(temp["ok"], "");
        Assert.That(Run.Until(() => InitHealth(temp, "svc").ExitCode == 0, 10_000), Is.True, InitHealth(temp, "svc").Stdout);
        Reliability.Record("lifecycle", $"a health check that starts failing, health-retries 2 ({runsv})", 1, "the service restarted after 2 failures; init health exits 1 naming it, 0 once healthy again");
    }

    [Test, CancelAfter(60_000)]
    public void Init_health_fails_for_a_down_service_and_a_dead_logger_and_passes_for_the_well()
    {
        using var temp = new TempDirectory();
        temp.Script("well/run", "#!/bin/sh\nexec sleep 1000\n");
        temp.Script("nolog/run", "#!/bin/sh\nexec sleep 1000\n");
        temp.Script("nolog/log/run", "#!/bin/sh\nexec cat > /dev/null\n");
        temp.Write("nolog/log/down", "");
        temp.Script("crash/run", "#!/bin/sh\nexit 5\n");
        using var well = new Supervised(temp["well"], Supervised.Engine);
        using var nolog = new Supervised(temp["nolog"], Supervised.Engine);
        using var crash = new Supervised(temp["crash"], Supervised.Engine);
        well.WaitRunning();
        nolog.WaitRunning();
        Assert.That(Run.Until(() => File.Exists(temp["crash/supervise/restart"]), 10_000), Is.True);

        Assert.That(InitHealth(temp, "well").ExitCode, Is.Zero);
        var all = InitHealth(temp, "well", "nolog", "crash");
        Assert.That(all.ExitCode, Is.EqualTo(1));
        Assert.That(all.Stdout, Does.Contain("nolog: its logger is not running\n"));
        Assert.That(all.Stdout, Does.Match(@"crash: (down \(last exit 5\)|run)"), "a crash loop is not well");
        Assert.That(all.Stdout, Does.Not.Contain("well:"));
        var missing = InitHealth(temp, "nosuch");
        Assert.That(missing.ExitCode, Is.EqualTo(1));
        Assert.That(missing.Stderr, Does.Contain("nosuch: unable to change to service directory"));
    }
}
