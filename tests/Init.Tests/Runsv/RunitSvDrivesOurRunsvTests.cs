using System.Text;
using System.Text.RegularExpressions;
using Init.Supervision;
using Init.Tests.Support;

namespace Init.Tests.Runsv;

/// <summary>
/// runit's own <c>sv</c> drives our runsv and runit's runsv through the same script of commands;
/// what sv prints, its exit codes, the decoded status records and the stat files must match.
/// </summary>
[Parallelizable(ParallelScope.None)]
public partial class RunitSvDrivesOurRunsvTests
{
    private const string Service = """
        #!/bin/sh
        trap 'echo HUP >>../signals' HUP
        trap 'echo USR1 >>../signals' USR1
        trap 'echo TERM >>../signals; [ -e ../ignore-term ] || exit 0' TERM
        echo start >>../events
        while :; do sleep 0.05; done
        """;

    private const string Finish = """
        #!/bin/sh
        echo "finish $1 $2" >>../events
        [ -e ../slow-finish ] && sleep 1.5
        exit 0
        """;

    private static readonly (string Command, int SettleMs)[] Script =
    [
        ("status", 0),
        ("-w 5 down", 0),
        ("status", 0),
        ("-w 5 up", 0),
        ("pause", 300),
        ("status", 0),
        ("cont", 300),
        ("status", 0),
        ("hup", 400),
        ("1", 400),
        ("term", 1500),
        ("status", 0),
        ("kill", 1500),
        ("status", 0),
        ("touch-slow-finish", 0),
        ("down", 400),
        ("status", 0),
        ("-w 5 once", 0),
        ("status", 0),
        ("rm-slow-finish", 0),
        ("-w 5 up", 0),
        ("touch-ignore-term", 0),
        ("-w 1 down", 0),
        ("status", 0),
        ("kill", 600),
        ("status", 0),
        ("rm-ignore-term", 0),
        ("-w 5 up", 0),
        ("-w 5 exit", 0),
        ("status", 0),
    ];

    [Test, CancelAfter(90_000)]
    public void Runit_sv_sees_the_same_outputs_and_states_from_our_runsv_as_from_runits()
    {
        using var temp = new TempDirectory();
        var theirs = Transcript(temp, "runit", Supervised.RunitRunsv, Script);
        var ours = Transcript(temp, "ours", Binary.Applet("runsv"), Script);

        TestContext.Out.WriteLine(ours);
        Assert.That(ours, Is.EqualTo(theirs), "transcripts differ:\n--- runit's runsv\n" + theirs + "\n--- our runsv\n" + ours);
        Assert.That(File.ReadAllText(Path.Combine(temp.Path, "ours", "signals")), Does.Contain("HUP\nUSR1\nTERM"));
    }

    /// <summary>
    /// The same script against a service hosted by the engine, up to <c>sv exit</c>: after that a
    /// runsv has exited for good, while the engine (like runsvdir over a runsv) supervises the
    /// service again, which <see cref="RunsvdirEngineTests"/> covers.
    /// </summary>
    [Test, CancelAfter(90_000)]
    public void Runit_sv_sees_the_same_outputs_and_states_from_the_engine_as_from_runits_runsv()
    {
        using var temp = new TempDirectory();
        var script = Script.TakeWhile(step => step.Command != "-w 5 exit").ToArray();
        var theirs = Transcript(temp, "runit", Supervised.RunitRunsv, script);
        var ours = Transcript(temp, "engine", Supervised.Engine, script);

        TestContext.Out.WriteLine(ours);
        Assert.That(ours, Is.EqualTo(theirs), "transcripts differ:\n--- runit's runsv\n" + theirs + "\n--- our engine\n" + ours);
    }

    private static string Transcript(TempDirectory temp, string name, string runsv, (string Command, int SettleMs)[] script)
    {
        string dir = temp[name + "/svc"];
        temp.Script(name + "/svc/run", Service);
        temp.Script(name + "/svc/finish", Finish);
        temp.Script(name + "/svc/log/run", "#!/bin/sh\nexec cat >>../../log.txt\n");
        var text = new StringBuilder();
        bool exits = script.Any(step => step.Command.EndsWith(" exit"));
        using (var supervised = new Supervised(dir, runsv))
        {
            supervised.WaitRunning();
            supervised.WaitRunning(log: true);
            foreach (var (command, settle) in script)
            {
                if (command.StartsWith("touch-") || command.StartsWith("rm-"))
                {
                    string flag = Path.Combine(dir, "..", command[(command.IndexOf('-') + 1)..]);
                    if (command.StartsWith("touch")) File.WriteAllText(flag, ""); else File.Delete(flag);
                    continue;
                }
                var result = Run.Command(Supervised.RunitSv, [.. command.Split(' '), dir]);
                if (settle > 0) Thread.Sleep(settle);
                text.Append($"$ sv {command}\n{Normalize(result.Stdout, dir)}{Normalize(result.Stderr, dir)}exit {result.ExitCode}\n");
                if (supervised.TryStatus(out var status) && !supervised.Exited)
                    text.Append($"  status: {status.State} want={status.Want} paused={status.Paused} term={status.TermSent} pid={(status.Pid != 0 ? "set" : "0")}\n")
                        .Append($"  stat: {File.ReadAllText(Path.Combine(dir, "supervise/stat"))}");
            }
            if (exits) Assert.That(Run.Until(() => supervised.Exited, 5000), Is.True, $"{name} runsv did not exit after sv exit");
        }
        // Read once the supervisor is gone: without sv exit in the script, the test's own stop adds the last "finish".
        text.Append("events: " + File.ReadAllText(Path.Combine(dir, "..", "events")).Replace('\n', ' ') + "\n");
        return text.ToString();
    }

    /// <summary>pids and seconds vary between runs; everything else must match byte for byte.</summary>
    private static string Normalize(string output, string dir) =>
        Seconds().Replace(Pids().Replace(output.Replace(dir, "SVC"), "(pid N)"), "Ns");

    [GeneratedRegex(@"\(pid \d+\)")] private static partial Regex Pids();
    [GeneratedRegex(@"\b\d+s\b")] private static partial Regex Seconds();
}
