using Init.Tests.Support;
using Init.Tests.Sv;

namespace Init.Tests.Cli;

/// <summary>
/// Names that look like options ("-dash", "--"): where runit's tool takes them as names, ours does
/// (runsv has no options at all, so runsvdir can supervise any directory name); where runit's
/// tool reads them as options (sv, svlogd, chpst before their operands), ours does too.
/// </summary>
public class OptionLikeNamesTests
{
    private const string Sleeper = "#!/bin/sh\nexec sleep 1000\n";

    [OneTimeSetUp]
    public void NeedsRunit()
    {
        Requires.Installed(Supervised.RunitRunsv);
        Requires.Installed(Supervised.RunitSv);
    }

    [TestCase("-dash", "/usr/bin/runsv"), TestCase("--", "/usr/bin/runsv"), TestCase("-dash", "ours"), TestCase("--", "ours")]
    [CancelAfter(20_000)]
    public void Runsv_supervises_a_directory_named_like_an_option_as_runits_does(string name, string runsv)
    {
        using var temp = new TempDirectory();
        temp.Script($"{name}/run", Sleeper);
        string program = runsv == "ours" ? Binary.Applet("runsv") : runsv;
        var p = Run.Background(program, [name], temp.Path, temp.Path, "runsv");
        try
        {
            Assert.That(Run.Until(() => Runsvdir.RunsvdirTests.Running(temp[name])), Is.True,
                $"{runsv} {name} never ran the service:\n{File.ReadAllText(temp["runsv.err"])}");
        }
        finally
        {
            Runsvdir.RunsvdirTests.Stop(p, 15);
            if (File.Exists(temp[$"{name}/supervise/pid"])) Run.Shell($"kill -9 $(cat -- '{temp[$"{name}/supervise/pid"]}') 2>/dev/null", cancellable: false);
        }
    }

    [TestCase("process"), TestCase("engine")]
    [CancelAfter(20_000)]
    public void Runsvdir_supervises_a_service_named_dash_and_sv_reports_it_as_runits_sv_does(string mode)
    {
        using var temp = new TempDirectory();
        temp.Script("service/-dash/run", Sleeper);
        var runsvdir = Run.Background(Binary.Applet("runsvdir"), [temp["service"]], temp.Path, temp.Path, "runsvdir",
            new Dictionary<string, string?> { ["INIT_SUPERVISION"] = mode });
        try
        {
            Assert.That(Run.Until(() => Runsvdir.RunsvdirTests.Running(temp["service/-dash"])), Is.True,
                "-dash never ran:\n" + File.ReadAllText(temp["runsvdir.err"]));
            var env = new Dictionary<string, string?> { ["SVDIR"] = temp["service"] };
            foreach (var args in new[] { new[] { "status", "-dash" }, ["status", "--", "-dash"], ["--", "status", "-dash"], ["-dash", "status"] })
            {
                var theirs = Run.Command(Supervised.RunitSv, args, environment: env);
                var ours = Run.Command(Binary.Applet("sv"), args, environment: env);
                string call = "sv " + string.Join(' ', args);
                Assert.That(ServiceState.Normalise(ours.Stdout), Is.EqualTo(ServiceState.Normalise(theirs.Stdout)), call);
                Assert.That(ServiceState.Normalise(ours.Stderr), Is.EqualTo(ServiceState.Normalise(theirs.Stderr.Replace(Supervised.RunitSv, Binary.Applet("sv")))), call);
                Assert.That(ours.ExitCode, Is.EqualTo(theirs.ExitCode), call);
            }
            Assert.That(File.ReadAllText(temp["runsvdir.err"]), Does.Not.Contain("usage"));
        }
        finally
        {
            Runsvdir.RunsvdirTests.Stop(runsvdir);
        }
    }

    [TestCase("svlogd", "-dash"), TestCase("svlogd", "--", "-dash"), TestCase("svlogd", "--"), TestCase("svlogd", "-tt", "--", "-dash")]
    [TestCase("chpst", "-dash"), TestCase("chpst", "--", "-dash"), TestCase("chpst", "--")]
    [CancelAfter(20_000)]
    public void Svlogd_and_chpst_read_option_like_names_as_runits_tools_do(string tool, params string[] args)
    {
        using var ours = new TempDirectory();
        using var theirs = new TempDirectory();
        foreach (var t in new[] { ours, theirs }) Directory.CreateDirectory(t["-dash"]);

        var o = Run.Command(Binary.Applet(tool), args, ours.Path);
        var r = Run.Command("/usr/bin/" + tool, args, theirs.Path);

        Assert.That(o.ExitCode, Is.EqualTo(r.ExitCode), o.ToString());
        // runit prints its argv[0] as given; chpst's usage lists -C, which Debian's 2.1.2 lacks.
        static string Usage(string s) => System.Text.RegularExpressions.Regex.Replace(s, "^usage: .*$", "usage", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.That(Usage(o.Stderr.Replace(Binary.Applet(tool), tool)), Is.EqualTo(Usage(r.Stderr.Replace("/usr/bin/" + tool, tool))));
        Assert.That(File.Exists(ours["-dash/current"]), Is.EqualTo(File.Exists(theirs["-dash/current"])), "logged into -dash");
    }
}
