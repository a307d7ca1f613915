using Init.Tests.Support;

namespace Init.Tests.Runsvchdir;

/// <summary>runit 2.3.0's runsvchdir where Debian's 2.1.2 cannot be compared: $RUNSVDIR, a switch back and forth.</summary>
[TestFixture]
public sealed class RunsvchdirTests
{
    private static RunResult Chdir(TempDirectory dir, string service) =>
        Run.Command(Binary.Applet("runsvchdir"), [service], environment: new Dictionary<string, string?> { ["RUNSVDIR"] = dir.Path });

    [Test, CancelAfter(20_000)]
    public void RUNSVDIR_names_the_directory_and_switching_back_and_forth_swaps_current_and_previous()
    {
        using var dir = new TempDirectory();
        Directory.CreateDirectory(dir["default"]);
        Directory.CreateDirectory(dir["single"]);
        File.CreateSymbolicLink(dir["current"], "default");

        var toSingle = Chdir(dir, "single");
        var back = Chdir(dir, "default");
        var again = Chdir(dir, "default");

        Assert.That(toSingle.ToString(), Is.EqualTo("exit 0\n--- stdout\nrunsvchdir: single: now current.\n--- stderr\n"));
        Assert.That(back.Stdout, Is.EqualTo("runsvchdir: default: now current.\n"));
        Assert.That(again.ToString(), Is.EqualTo("exit 0\n--- stdout\nrunsvchdir: default: current.\n--- stderr\n"));
        Assert.That((new FileInfo(dir["current"]).LinkTarget, new FileInfo(dir["previous"]).LinkTarget), Is.EqualTo(("default", "single")));
        Assert.That(File.Exists(dir["current.new"]) || Directory.Exists(dir["current.new"]), Is.False);
    }

    [Test, CancelAfter(20_000)]
    public void A_missing_RUNSVDIR_directory_is_named_with_exit_111()
    {
        using var dir = new TempDirectory();

        var result = Run.Command(Binary.Applet("runsvchdir"), ["default"], environment: new Dictionary<string, string?> { ["RUNSVDIR"] = dir["nope"] });

        Assert.That(result.ExitCode, Is.EqualTo(111));
        Assert.That(result.Stderr, Is.EqualTo($"{Binary.Applet("runsvchdir")}: fatal: unable to chdir: {dir["nope"]}: file does not exist\n"));
    }

    [Test, CancelAfter(20_000)]
    public void Without_an_argument_it_prints_runit_s_usage_and_exits_1()
    {
        var viaLink = Run.Command(Binary.Applet("runsvchdir"));
        var viaInit = Run.Command(Binary.Init, "runsvchdir");

        Assert.That(viaLink.ToString(), Is.EqualTo($"exit 1\n--- stdout\n--- stderr\nusage: {Binary.Applet("runsvchdir")} dir\n\n"));
        Assert.That(viaInit.ToString(), Is.EqualTo("exit 1\n--- stdout\n--- stderr\nusage: runsvchdir dir\n\n"));
    }
}
