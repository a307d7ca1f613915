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

    /// <summary>
    /// The commands, each with the state it must have led to before the transcript goes on (the
    /// signals were caught, the service restarted, finish is running): waited for, not slept on.
    /// </summary>
    private static readonly (string Command, Func<Probe, bool>? Settled)[] Script =
    [
        ("status", null),
        ("-w 5 down", null),
        ("status", null),
        ("-w 5 up", Trapping),
        ("pause", p => p.Status is { Paused: true }),
        ("status", null),
        ("cont", p => p.Status is { Paused: false }),
        ("status", null),
        ("hup", p => p.Count("signals", "HUP") == 1),
        ("1", p => p.Count("signals", "USR1") == 1),
        ("term", p => p.Count("events", "start") == 3 && p.Status is { State: RunState.Run, Pid: not 0 }),   // exits 0, restarted
        ("status", null),
        ("kill", p => p.Count("events", "start") == 4 && p.Status is { State: RunState.Run, Pid: not 0 }),   // restarted
        ("status", null),
        ("touch-slow-finish", null),
        ("down", p => p.Status is { State: RunState.Finish, Pid: not 0 }),   // finish started (runsv shows it with pid 0 for a moment first); it sleeps 1.5 s: once below comes while it runs
        ("status", null),
        ("-w 5 once", null),
        ("status", null),
        ("rm-slow-finish", null),
        ("-w 5 up", Trapping),
        ("touch-ignore-term", null),
        ("-w 1 down", null),
        ("status", null),
        ("kill", p => p.Status is { State: RunState.Down, Pid: 0 }),   // finish done, wants down: stays down
        ("status", null),
        ("rm-ignore-term", null),
        ("-w 5 up", Trapping),
        ("-w 5 exit", null),
        ("status", null),
    ];

    /// <summary>
    /// ./run is up and has set its traps (it writes "start" after them): a signal sent before that
    /// would find sh's default action, and a loaded machine makes that window long enough to hit.
    /// </summary>
    private static bool Trapping(Probe p) => p.Status is { State: RunState.Run, Pid: not 0 } && p.Last("events") == "start";

    /// <summary>What a settle condition looks at: the status record and the lines the scripts append.</summary>
    private sealed record Probe(string Directory, Supervised Supervised)
    {
        public StatusRecord? Status => Supervised.TryStatus(out var r) ? r : null;

        public string? Last(string file)
        {
            string path = Path.Combine(Directory, "..", file);
            return File.Exists(path) ? File.ReadAllLines(path).LastOrDefault() : null;
        }

        public int Count(string file, string line)
        {
            string path = Path.Combine(Directory, "..", file);
            return File.Exists(path) ? File.ReadAllLines(path).Count(l => l == line) : 0;
        }
    }

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
    /// service again, which <see cref="Runsvdir.RunsvdirEngineTests"/> covers.
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

    private static string Transcript(TempDirectory temp, string name, string runsv, (string Command, Func<Probe, bool>? Settled)[] script)
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
            var probe = new Probe(dir, supervised);
            foreach (var (command, settled) in script)
            {
                if (command.StartsWith("touch-") || command.StartsWith("rm-"))
                {
                    string flag = Path.Combine(dir, "..", command[(command.IndexOf('-') + 1)..]);
                    if (command.StartsWith("touch")) File.WriteAllText(flag, ""); else File.Delete(flag);
                    continue;
                }
                var result = Run.Command(Supervised.RunitSv, [.. command.Split(' '), dir]);
                if (settled is not null)
                    Assert.That(Run.Until(() => settled(probe), 10_000), Is.True, $"{name}: sv {command} never led to the state the script waits for");
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
