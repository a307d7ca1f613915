using Init.Tests.Support;

namespace Init.Tests.Cli;

/// <summary>The one binary: applet by link name or first argument, --help, --version, --list.</summary>
public class MultiCallTests
{
    [Test, CancelAfter(10_000)]
    public void Init_help_lists_every_applet()
    {
        var result = Run.Command(Binary.Init, "--help");
        var listed = Run.Command(Binary.Init, "--list").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.That(result.ExitCode, Is.EqualTo(0));
        Assert.That(listed, Does.Contain("runsv"));
        Assert.That(result.Stdout, Does.Contain("runsv"));
    }

    [Test, CancelAfter(10_000)]
    public void Every_listed_name_is_published_as_a_link_to_the_binary()
    {
        var listed = Run.Command(Binary.Init, "--list").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var name in listed)
            Assert.That(new FileInfo(Binary.Applet(name)).LinkTarget, Is.EqualTo("init"), name);
    }

    [Test, CancelAfter(10_000)]
    public void An_applet_runs_the_same_through_its_link_and_as_the_first_argument()
    {
        var viaLink = Run.Command(Binary.Applet("runsv"), "/nonexistent");
        var viaArgument = Run.Command(Binary.Init, "runsv", "/nonexistent");
        Assert.That((viaArgument.ExitCode, viaArgument.Stderr), Is.EqualTo((viaLink.ExitCode, viaLink.Stderr)));
        Assert.That(viaLink.ExitCode, Is.EqualTo(111));
    }

    [Test, CancelAfter(10_000)]
    public void Version_is_answered_by_the_binary_and_its_applets()
    {
        Assert.That(Run.Command(Binary.Init, "--version").Stdout, Does.Match(@"^init \(Init\) \d+\.\d+\.\d+\n$"));
        Assert.That(Run.Command(Binary.Applet("runsv"), "--version").Stdout, Does.Match(@"^runsv \(Init\) \d+\.\d+\.\d+\n$"));
    }

    [Test, CancelAfter(10_000)]
    public void An_unknown_applet_is_a_usage_error_with_exit_100()
    {
        var result = Run.Command(Binary.Init, "no-such-applet");
        Assert.That(result.ExitCode, Is.EqualTo(100));
        Assert.That(result.Stderr, Does.StartWith("init: fatal: unknown applet: no-such-applet\n"));
    }

    [Test, CancelAfter(10_000)]
    public void The_binary_works_with_an_empty_environment_and_reserves_little_address_space()
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "exec sleep 1000\n");
        using var runsv = Run.Background("/usr/bin/env", ["-i", Binary.Applet("runsv"), temp["svc"]], temp.Path, temp.Path, "runsv");
        try
        {
            Assert.That(Run.Until(() => File.Exists(temp["svc/supervise/pid"]) && File.ReadAllText(temp["svc/supervise/pid"]).Length > 0), Is.True);
            var status = File.ReadAllLines($"/proc/{runsv.Id}/status");
            long vmSizeKb = long.Parse(status.First(l => l.StartsWith("VmSize:")).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
            Assert.That(vmSizeKb, Is.LessThan(4L * 1024 * 1024), "the GC must not reserve tens of GB (baked heap limit)");
        }
        finally
        {
            File.WriteAllText(temp["svc/supervise/control"], "x");
            runsv.WaitForExit(5000);
        }
    }
}
