using Init.Tests.Support;

namespace Init.Tests.Cli;

/// <summary>The one binary: applet by link name or first argument, --help, --version, --list.</summary>
public class MultiCallTests
{
    /// <summary>Names --help describes under their applet's line, not a line of their own.</summary>
    private static readonly Dictionary<string, string> Aliases = new()
    {
        ["runit"] = "runit-init", ["reboot"] = "poweroff", ["halt"] = "poweroff",
        ["envdir"] = "chpst", ["setuidgid"] = "chpst", ["envuidgid"] = "chpst", ["pgrphack"] = "chpst", ["setlock"] = "chpst", ["softlimit"] = "chpst",
        ["tini"] = "container", ["dumb-init"] = "container",
    };

    private static string[] Listed() => Run.Command(Binary.Init, "--list").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Test, CancelAfter(10_000)]
    public void Init_help_lists_every_applet()
    {
        var result = Run.Command(Binary.Init, "--help");
        var listed = Listed();
        // "  runsv        supervise one service directory …": the applet lines of the help.
        var described = result.Stdout.Split('\n').SkipWhile(l => l != "applets:").Skip(1)
            .Where(l => l.StartsWith("  ")).Select(l => l.Trim().Split(' ')[0]).ToList();

        Assert.That(result.ExitCode, Is.EqualTo(0));
        Assert.That(listed, Does.Contain("runsv"), "init --list");
        Assert.Multiple(() =>
        {
            foreach (var name in listed)
                Assert.That(described, Does.Contain(Aliases.GetValueOrDefault(name, name)), $"--help does not describe {name}");
            // `init health`, `init analyze` and `init import` only: names too common for a link of their own in /sbin.
            string[] unlinked = ["health", "analyze", "import"];
            Assert.That(described, Is.SubsetOf(listed.Concat(unlinked)), "--help describes an applet --list does not print");
            foreach (string name in unlinked) Assert.That(listed, Does.Not.Contain(name), "no link named " + name);
        });
    }

    [Test, CancelAfter(30_000)]
    public void Every_listed_name_answers_as_an_applet_through_its_link_and_as_the_first_argument()
    {
        Assert.Multiple(() =>
        {
            foreach (var name in Listed())
            {
                var viaLink = Run.Command(Binary.Applet(name), "--version");
                var viaArgument = Run.Command(Binary.Init, name, "--version");
                // As the originals: dumb-init prints its version on stderr.
                string answer = viaLink.Stdout + viaLink.Stderr;
                Assert.That(viaLink.ExitCode, Is.Zero, $"{name} --version: {viaLink}");
                Assert.That(answer, Does.Match(@"^(\S+ \(Init\) \d+\.\d+\.\d+|tini version .* - Init .*|dumb-init v.* \(Init .*\))\n$"), name);
                Assert.That(answer, Does.StartWith(name is "container" or "tini" ? "tini" : name), $"{name} answers as another applet");
                Assert.That(viaArgument.ToString(), Is.EqualTo(viaLink.ToString()), $"init {name} differs from its link");
            }
        });
    }

    [Test, CancelAfter(10_000)]
    public void Every_listed_name_is_published_as_a_link_to_the_binary()
    {
        foreach (var name in Listed())
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
