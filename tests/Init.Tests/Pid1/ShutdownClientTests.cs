using Init.Tests.Support;

namespace Init.Tests.Pid1;

/// <summary>init, poweroff, reboot, halt when they are not PID 1.</summary>
[TestFixture]
public class ShutdownClientTests
{
    [Test, CancelAfter(10_000)]
    public void Init_without_arguments_outside_PID_1_prints_the_usage_and_exits_100()
    {
        // Skipped, not inconclusive: build.cake counts skips (this one is on its CI allow-list).
        if (File.Exists("/.dockerenv") || File.Exists("/run/.containerenv")) Assert.Ignore("this machine is a container: init would run its services");
        var r = Run.Command(Binary.Init, [], cleanEnvironment: true);

        Assert.That(r.ExitCode, Is.EqualTo(100), r.ToString());
        Assert.That(r.Stdout + r.Stderr, Does.Contain("init 0 | init 6"));
    }

    [Test, CancelAfter(20_000)]
    public void Init_without_arguments_in_a_container_runs_the_services_as_a_subreaper_until_SIGTERM()
    {
        using var temp = new TempDirectory();
        temp.Script("service/a/run", $"echo up > {temp["a.up"]}; exec sleep 1000\n");
        var env = new Dictionary<string, string?>
        {
            ["container"] = "docker",
            ["INIT_SERVICEDIRECTORY"] = temp["service"],
            ["PATH"] = Binary.Directory + ":/usr/bin:/bin",
        };
        var init = Run.Background(Binary.Init, [], temp.Path, temp.Path, "init", env);

        bool up = Run.Until(() => File.Exists(temp["a.up"]), 10_000);
        Run.Kill(init, 15);
        bool exited = init.WaitForExit(10_000);
        string log = File.ReadAllText(temp["init.err"]);

        Assert.That(up, Is.True, log);
        Assert.That(exited, Is.True, log);
        Assert.That(init.ExitCode, Is.EqualTo(0), log);
        Assert.That(log, Does.Contain("stage 3: a: stopped"));
    }

    [Test, CancelAfter(10_000)]
    public void Mode_system_outside_PID_1_is_refused_like_runit()
    {
        var r = Run.Command(Binary.Init, ["--Mode=system"], cleanEnvironment: true);

        Assert.That(r.ExitCode, Is.EqualTo(111), r.ToString());
        Assert.That(r.Stderr, Does.Contain("must be run as process no 1"));
    }

    [Test, CancelAfter(10_000)]
    public void Poweroff_by_an_unprivileged_user_fails_with_a_clear_error()
    {
        var r = Run.Command("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", Binary.Applet("poweroff")]);

        Assert.That(r.ExitCode, Is.EqualTo(111), r.ToString());
        Assert.That(r.Stderr, Does.StartWith("poweroff: fatal: unable to "));
    }

    /// <summary>Debian's runit-init and runit (the stage runner), outside PID 1, beside ours under the same names.</summary>
    private const string RunitInit = "/lib/runit/runit-init", Runit = "/sbin/runit";

    [TestCase(), TestCase("5"), TestCase("x"), CancelAfter(10_000)]
    public void Runit_init_without_0_or_6_prints_runit_inits_usage_as_runit_init_does(params string[] args)
    {
        Requires.Installed(Supervised.RunitSv);
        var theirs = Run.Command(RunitInit, args);
        var ours = Run.Command(Binary.Applet("runit-init"), args);

        Assert.That(ours.ExitCode, Is.EqualTo(theirs.ExitCode).And.EqualTo(0));
        Assert.That(ours.Stderr, Is.EqualTo(theirs.Stderr.Replace(RunitInit, Binary.Applet("runit-init"))), "usage, the program as called, a blank line");
        Assert.That(ours.Stdout, Is.EqualTo(theirs.Stdout).And.Empty);
    }

    [TestCase(), TestCase("0"), TestCase("6"), TestCase("x"), CancelAfter(10_000)]
    public void Runit_outside_PID_1_is_refused_as_runit_refuses_it(params string[] args)
    {
        Requires.Installed(Supervised.RunitSv);
        var theirs = Run.Command(Runit, args);
        var ours = Run.Command(Binary.Applet("runit"), args);

        Assert.That((ours.ExitCode, ours.Stderr, ours.Stdout), Is.EqualTo((theirs.ExitCode, theirs.Stderr, theirs.Stdout)));
        Assert.That(ours.ExitCode, Is.EqualTo(111));
    }

    [Test, CancelAfter(10_000)]
    public void Halt_with_an_unknown_option_prints_the_usage()
    {
        var r = Run.Command(Binary.Applet("halt"), "-x");

        Assert.That(r.ExitCode, Is.EqualTo(100));
        Assert.That(r.Stderr, Is.EqualTo("usage: halt [-f]\n"));
    }
}
