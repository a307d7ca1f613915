using Init.Tests.Support;

namespace Init.Tests.Cli;

/// <summary>
/// Every applet's <c>NAME --help</c> (the sole argument): exit 0, the full help, and the same text as
/// the fenced block under <c>## Help</c> of its page in docs/man/. Every other command line stays the
/// replaced tool's: runit's usage errors byte for byte, compared with Debian's binaries.
/// </summary>
public class HelpTests
{
    /// <summary>`init NAME` only: no link of their own.</summary>
    private static readonly string[] Unlinked = ["import", "health", "analyze"];

    /// <summary>Every name `init --list` prints, plus the unlinked applets.</summary>
    private static readonly string[] Names =
    [
        "runsv", "runit-init", "runit", "poweroff", "reboot", "halt", "runsvdir", "sv", "svlogd", "runsvchdir", "utmpset",
        "chpst", "envdir", "setuidgid", "envuidgid", "pgrphack", "setlock", "softlimit", "container", "tini", "dumb-init",
        .. Unlinked,
    ];

    /// <summary>Names whose help is their main applet's, on its page.</summary>
    private static readonly Dictionary<string, string> SharedPages = new() { ["runit"] = "runit-init", ["reboot"] = "poweroff", ["halt"] = "poweroff" };

    /// <summary>Where the help does not start with "usage:": the replaced tool's own first lines.</summary>
    private static string Start(string name) => name switch
    {
        "container" or "tini" => $"{name} (tini version 0.19.0)\nUsage: {name} [OPTIONS] PROGRAM",
        "dumb-init" => "dumb-init v1.2.5\nUsage: dumb-init [option] command",
        _ => "usage: ",
    };

    private static string Page(string name) =>
        Path.Combine(Binary.RepositoryRoot(), "docs", "man", SharedPages.GetValueOrDefault(name, name) + ".md");

    /// <summary>The fenced block right after the line "## Help", with its final newline.</summary>
    private static string? DocumentedHelp(string page)
    {
        var lines = File.ReadAllLines(page);
        int at = Array.IndexOf(lines, "## Help");
        if (at < 0) return null;
        int open = at + 1;
        while (open < lines.Length && lines[open].Length == 0) open++;
        if (open >= lines.Length || !lines[open].StartsWith("```")) return null;
        int close = Array.FindIndex(lines, open + 1, l => l == "```");
        return close < 0 ? null : string.Concat(lines[(open + 1)..close].Select(l => l + "\n"));
    }

    private static RunResult Help(string name, bool viaInit) =>
        viaInit || Unlinked.Contains(name) ? Run.Command(Binary.Init, name, "--help") : Run.Command(Binary.Applet(name), "--help");

    /// <summary>The help as a reader sees it: dumb-init's is on stderr (as dumb-init's) and names argv[0] as called.</summary>
    private static (string Help, string Other) Streams(string name, RunResult result) => name == "dumb-init"
        ? (result.Stderr.Replace(Binary.Applet(name), name), result.Stdout)
        : (result.Stdout, result.Stderr);

    [Test, CancelAfter(10_000)]
    public void The_names_checked_are_every_listed_applet_and_the_unlinked_ones()
    {
        var listed = Run.Command(Binary.Init, "--list").Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.That(Names, Is.EquivalentTo(listed.Concat(Unlinked)));
    }

    [TestCaseSource(nameof(Names)), CancelAfter(20_000)]
    public void Help_exits_0_with_the_full_help_and_its_docs_pages_text(string name)
    {
        var result = Help(name, viaInit: false);
        var (help, other) = Streams(name, result);

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(other, Is.Empty, "the other stream");
        Assert.That(help, Does.StartWith(Start(name)));
        Assert.That(help.Split('\n').Length, Is.GreaterThan(5), "a full help, not a usage line");
        Assert.That(File.Exists(Page(name)), Is.True, Page(name));
        Assert.That(help, Is.EqualTo(DocumentedHelp(Page(name))), $"{name} --help differs from the block under ## Help of {Page(name)}");
    }

    [TestCaseSource(nameof(Names)), CancelAfter(20_000)]
    public void Help_is_the_same_as_init_NAME_help(string name)
    {
        var viaLink = Streams(name, Help(name, viaInit: false));
        var viaInit = Streams(name, Help(name, viaInit: true));

        Assert.That(viaInit, Is.EqualTo(viaLink));
    }

    [TestCaseSource(nameof(Names)), CancelAfter(10_000)]
    public void Every_applet_has_a_man_page_with_the_sections_of_one(string name)
    {
        string page = Page(name);
        Assume.That(File.Exists(page), Is.True, "no page: the test above says so");
        var headings = File.ReadAllLines(page).Where(l => l.StartsWith("## ")).ToList();

        Assert.That(headings, Is.SupersetOf(new[] { "## NAME", "## SYNOPSIS", "## DESCRIPTION", "## OPTIONS", "## EXIT CODES", "## EXAMPLES", "## Help" }));
        Assert.That(File.ReadAllText(page), Does.Contain("(../../README.md#"), "a link to the README's section");
    }

    [TestCase("-x"), TestCase("-h"), TestCase("--hel"), TestCase("--help", "status"), TestCase(), CancelAfter(10_000)]
    public void Sv_keeps_runits_usage_error_and_exit_100_for_anything_but_a_sole_help(params string[] args)
    {
        var ours = Run.Command(Binary.Applet("sv"), args);
        var theirs = Run.Command(Supervised.RunitSv, args);

        Assert.That((ours.ExitCode, ours.Stdout, ours.Stderr), Is.EqualTo((theirs.ExitCode, theirs.Stdout, theirs.Stderr)));
        Assert.That(ours.ExitCode, Is.EqualTo(100));
        string illegal = args is ["-x"] or ["-h"] ? $"sv: illegal option -- {args[0][1]}\n" : "";
        Assert.That(ours.Stderr, Is.EqualTo(illegal + "usage: sv [-v] [-w sec] command service ...\n\n"));
    }

    /// <summary>
    /// runit's sgetopt takes any argument starting with "--" as "--" (skipped, options over), and
    /// none of runit's tools has -h; the tools named as runit's are, the daemontools names through a
    /// link to Debian's chpst.
    /// </summary>
    [TestCase("svlogd", "-h"), TestCase("svlogd", "--hel"), TestCase("utmpset", "-h"), TestCase("utmpset", "--hel"), TestCase("runsvdir")]
    [TestCase("runsv"), TestCase("runsvchdir"), TestCase("chpst", "-h"), TestCase("chpst", "--x", "/bin/echo", "ran"), TestCase("chpst", "--help", "/bin/echo", "ran")]
    [TestCase("envdir", "--help", "/bin/echo"), TestCase("setuidgid", "--help", "/bin/echo"), TestCase("setlock", "-h"), TestCase("setlock", "--x", "lock", "/bin/echo", "ran")]
    [TestCase("softlimit", "-h"), TestCase("softlimit", "--help", "/bin/echo", "ran"), TestCase("pgrphack")]
    [CancelAfter(20_000)]
    public void Runits_tools_keep_their_usage_errors_for_h_and_other_arguments_than_a_sole_help(string tool, params string[] args)
    {
        using var temp = new TempDirectory();
        string runit = tool is "runsvchdir" or "utmpset" ? "/usr/sbin/" + tool : "/usr/bin/" + tool;
        Requires.Installed(tool is "envdir" or "setuidgid" or "setlock" or "softlimit" or "pgrphack" ? "/usr/bin/chpst" : runit);
        if (!File.Exists(runit))
        {
            runit = temp[tool];
            File.CreateSymbolicLink(runit, "/usr/bin/chpst");
        }

        var ours = Run.Command(Binary.Applet(tool), args, temp.Path);
        var theirs = Run.Command(runit, args, temp.Path);

        // runit prints argv[0] as given; chpst's usage lists -C, which Debian's 2.1.2 lacks.
        static string Same(string s, string program, string tool) =>
            System.Text.RegularExpressions.Regex.Replace(s.Replace(program, tool), "^usage: chpst .*$", "usage: chpst …", System.Text.RegularExpressions.RegexOptions.Multiline);
        Assert.That(ours.ExitCode, Is.EqualTo(theirs.ExitCode), ours.ToString());
        Assert.That(ours.Stdout, Is.EqualTo(theirs.Stdout));
        Assert.That(Same(ours.Stderr, Binary.Applet(tool), tool), Is.EqualTo(Same(theirs.Stderr, runit, tool)));
    }
}
