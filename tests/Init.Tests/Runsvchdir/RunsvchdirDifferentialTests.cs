using Init.Tests.Support;

namespace Init.Tests.Runsvchdir;

/// <summary>
/// Our runsvchdir against Debian's /usr/sbin/runsvchdir: each on its own copy of the same
/// /etc/runit/runsvdir (a temporary directory bound over it in a private mount namespace, since
/// Debian's 2.1.2 has no $RUNSVDIR), then the same output, exit code, and current, previous and
/// current.new.
/// </summary>
[TestFixture]
public sealed class RunsvchdirDifferentialTests
{
    private const string Runit = "/usr/sbin/runsvchdir";
    private const string Base = "/etc/runit/runsvdir";

    [OneTimeSetUp]
    public void NeedsMountNamespaces()
    {
        Requires.Installed(Runit);
        Requires.Root($"binds a directory over {Base} in a mount namespace");
        Requires.Installed("/usr/bin/unshare");
    }

    /// <summary>What a tool printed and left behind, its own path written as "runsvchdir".</summary>
    private sealed record Outcome(int ExitCode, string Stdout, string Stderr, string Links)
    {
        public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}--- stderr\n{Stderr}--- links\n{Links}";
    }

    /// <summary>
    /// Services a, b and c, a file f, current → a, previous → c, and a stale current.new → c
    /// (an interrupted run's); <paramref name="variant"/> changes one of them.
    /// </summary>
    private static void MakeTree(string tree, string variant)
    {
        foreach (var service in new[] { "a", "b", "c" }) Directory.CreateDirectory(Path.Combine(tree, service));
        File.WriteAllText(Path.Combine(tree, "f"), "");
        File.CreateSymbolicLink(Path.Combine(tree, "current.new"), "c");
        switch (variant)
        {
            case "dangling current": File.CreateSymbolicLink(Path.Combine(tree, "current"), "gone"); break;
            case "current is a directory": Directory.CreateDirectory(Path.Combine(tree, "current")); break;
            default: File.CreateSymbolicLink(Path.Combine(tree, "current"), "a"); break;
        }
        switch (variant)
        {
            case "no previous": break;
            case "previous is a directory": Directory.CreateDirectory(Path.Combine(tree, "previous")); break;
            default: File.CreateSymbolicLink(Path.Combine(tree, "previous"), "c"); break;
        }
    }

    private static string Links(string tree) => string.Join("\n", new[] { "current", "previous", "current.new" }.Select(name =>
    {
        string path = Path.Combine(tree, name);
        var info = new FileInfo(path);
        string what = info.LinkTarget is { } target ? "-> " + target : Directory.Exists(path) ? "directory" : info.Exists ? "file" : "none";
        return $"{name} {what}";
    })) + "\n";

    /// <summary>Runs <paramref name="tool"/> with <c>/etc/runit/runsvdir</c> a fresh tree of <paramref name="variant"/>.</summary>
    private static Outcome RunIn(string tool, string variant, string[] args)
    {
        using var dir = new TempDirectory();
        string tree = dir["runsvdir"];
        MakeTree(tree, variant);
        const string Script = $"""
            tree=$1 tool=$2; shift 2
            mount --bind "$tree" {Base} || exit 90
            cd / && exec "$tool" "$@"
            """;
        var run = Run.Command("/usr/bin/unshare", ["-m", "--propagation", "private", "/bin/sh", "-c", Script, "sh", tree, tool, .. args]);
        Assert.That(run.ExitCode, Is.Not.EqualTo(90), $"cannot bind over {Base}: {run}");
        return new Outcome(run.ExitCode, run.Stdout, run.Stderr.Replace(tool, "runsvchdir"), Links(tree));
    }

    private static (Outcome Ours, Outcome Theirs) Both(string variant, params string[] args) =>
        (RunIn(Binary.Applet("runsvchdir"), variant, args), RunIn(Runit, variant, args));

    [TestCase("b")]                                  // a switch: previous is the old current
    [TestCase("a")]                                  // already current: nothing changes
    [TestCase(Base + "/b")]                          // absolute, as Debian's own current is
    [TestCase("b", "ignored")]                       // only the first argument counts
    [TestCase("nope")]                               // missing
    [TestCase("")]
    [TestCase(".hidden")]                            // runsvdir's own names start with a dot
    [TestCase("../runsvdir/b")]
    [TestCase("f/x")]                                // a path through a file
    [TestCase()]                                     // usage
    [CancelAfter(20_000)]
    public void The_same_output_exit_code_and_links_as_runit(params string[] args)
    {
        var (ours, theirs) = Both("standard", args);

        Assert.That(ours.ToString(), Is.EqualTo(theirs.ToString()));
    }

    [TestCase("no previous")]
    [TestCase("previous is a directory")]            // unlink fails: nothing changes but current.new
    [TestCase("current is a directory")]             // a real directory is renamed to previous
    [TestCase("dangling current")]
    [CancelAfter(20_000)]
    public void An_unusual_tree_is_switched_or_refused_as_runit_does(string variant)
    {
        var (ours, theirs) = Both(variant, "b");

        Assert.That(ours.ToString(), Is.EqualTo(theirs.ToString()));
    }

    [Test, CancelAfter(20_000)]
    public void A_switch_shows_the_new_current_and_keeps_the_old_as_previous()
    {
        var (ours, _) = Both("standard", "b");

        Assert.That(ours.ToString(), Is.EqualTo("exit 0\n--- stdout\nrunsvchdir: b: now current.\n--- stderr\n--- links\n" +
            "current -> b\nprevious -> a\ncurrent.new none\n"));
    }

    [Test, CancelAfter(20_000)]
    public void A_file_is_refused_as_not_a_directory_with_a_separator_runit_lacks()
    {
        var (ours, theirs) = Both("standard", "f");

        Assert.That(theirs.Stderr, Is.EqualTo("runsvchdir: fatal: fnot a directory.\n"));
        Assert.That(ours.Stderr, Is.EqualTo("runsvchdir: fatal: f: not a directory.\n"));
        Assert.That(ours with { Stderr = "" }, Is.EqualTo(theirs with { Stderr = "" }));
    }
}
