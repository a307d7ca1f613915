using Init.Tests.Support;

namespace Init.Tests.Svlogd;

/// <summary>
/// A log directory owned by an unprivileged user (uid 65534) and written by a root svlogd: symlinks
/// its owner plants for current, state or newstate are never followed (issue #13).
/// </summary>
public class SvlogdPlantedSymlinkTests
{
    private const string Secret = "root:secret:1:0:99999:7:::\n";

    /// <summary>dir/log owned by nobody, a victim of root's beside it, and a link named <paramref name="file"/> to it.</summary>
    private static (string Log, string Victim) Arrange(TempDirectory temp, string file, string? config = null)
    {
        Directory.CreateDirectory(temp["log"]);
        if (config is not null) temp.Write("log/config", config);
        string victim = temp.Write("victim", Secret);
        File.CreateSymbolicLink(temp["log/" + file], victim);
        Assert.That(Run.Shell($"chown -hR 65534 '{temp["log"]}'").ExitCode, Is.Zero);
        return (temp["log"], victim);
    }

    [Test, CancelAfter(10_000)]
    [Category("Reliability")]
    public void A_current_symlink_is_refused_and_its_target_left_alone()
    {
        using var temp = new TempDirectory();
        var (_, victim) = Arrange(temp, "current");

        var result = Run.Command(Binary.Applet("svlogd"), ["log"], temp.Path, stdin: "a line\n");

        Assert.That(result.Stderr, Does.Contain("svlogd: warning: unable to open current: log/current is a symlink: refusing to follow it\n"));
        Assert.That(result.ExitCode, Is.EqualTo(111), "no functional log directory left");
        Assert.That(File.ReadAllText(victim), Is.EqualTo(Secret));
        Reliability.Record("attack", "svlogd: log/current planted as a symlink", 1, "the directory refused with a message; the target untouched");
    }

    [Test, CancelAfter(10_000)]
    [Category("Reliability")]
    public void A_newstate_symlink_is_replaced_and_its_target_left_alone()
    {
        using var temp = new TempDirectory();
        var (log, victim) = Arrange(temp, "newstate", "s100\n!cat; echo new >&5\n");

        var result = Run.Command(Binary.Applet("svlogd"), ["log"], temp.Path, stdin: string.Concat(Enumerable.Repeat("0123456789\n", 20)));

        Assert.That(result.ExitCode, Is.Zero, result.ToString());
        Assert.That(File.ReadAllText(victim), Is.EqualTo(Secret));
        Assert.That(new FileInfo(Path.Combine(log, "state")).LinkTarget, Is.Null);
        Assert.That(File.ReadAllText(Path.Combine(log, "state")), Is.EqualTo("new\n"), "the processor's newstate became state");
        Reliability.Record("attack", "svlogd: log/newstate planted as a symlink", 1, "replaced, not written through; the target untouched");
    }

    [Test, CancelAfter(10_000)]
    [Category("Reliability")]
    public void A_state_symlink_is_not_handed_to_the_processor()
    {
        using var temp = new TempDirectory();
        var (log, victim) = Arrange(temp, "state", "s100\n!cat <&4; cat\n");

        var result = Run.Command(Binary.Applet("svlogd"), ["log"], temp.Path, stdin: string.Concat(Enumerable.Repeat("0123456789\n", 20)));

        Assert.That(result.Stderr, Does.Contain("svlogd: warning: unable to run processor: log: symbolic link loop\n"));
        Assert.That(File.ReadAllText(victim), Is.EqualTo(Secret));
        Assert.That(Directory.GetFiles(log).Where(f => f != Path.Combine(log, "state")).Select(File.ReadAllText), Has.None.Contains("secret"),
            "the target's content reached no log file");
        Reliability.Record("attack", "svlogd: log/state planted as a symlink", 1, "not handed to the processor; a warning");
    }
}
