using System.Text.RegularExpressions;
using Init.Supervision;
using Init.Tests.Support;

namespace Init.Tests.Sv;

/// <summary>
/// One service directory "svc" under its own SVDIR, brought into a named state under a given runsv
/// (runit's or ours), so the same state can be set up twice and driven by two sv binaries.
/// </summary>
public sealed partial class ServiceState : IDisposable
{
    public const string Name = "svc";

    /// <summary>States sv is compared in; each name is a setup recipe below.</summary>
    public static readonly string[] All = ["up-with-log", "up", "down", "paused", "check-fails", "no-runsv", "runsv-gone", "missing"];

    private readonly Supervised? _supervised;

    public string SvDir { get; }
    public string ServiceDirectory => Path.Combine(SvDir, Name);

    public ServiceState(string root, string state, string runsv)
    {
        SvDir = Path.Combine(root, "service");
        Directory.CreateDirectory(SvDir);
        if (state == "missing") return;
        // HUP ignored: `sv reload` would otherwise race the restart of a killed service.
        Script("run", "#!/bin/sh\ntrap '' HUP\nexec sleep 1000\n");
        if (state is "up-with-log" or "down-with-log") Script("log/run", "#!/bin/sh\nexec cat >/dev/null\n");
        if (state is "down" or "down-with-log") File.WriteAllText(Path.Combine(ServiceDirectory, "down"), "");
        if (state == "check-fails") Script("check", "#!/bin/sh\nexit 1\n");
        if (state == "crashing") Script("run", "#!/bin/sh\nexit 1\n");
        if (state == "no-runsv") return;
        if (state == "runsv-gone")
        {
            // What a runsv leaves behind: supervise/ok without a reader (sv gets ENXIO).
            Directory.CreateDirectory(Path.Combine(ServiceDirectory, "supervise"));
            Assert.That(Run.Command("mkfifo", Path.Combine(ServiceDirectory, "supervise/ok")).ExitCode, Is.Zero);
            return;
        }

        _supervised = new Supervised(ServiceDirectory, runsv, logDirectory: root);
        StatusRecord r = default;
        bool wantUp = state is not ("down" or "down-with-log");
        Assert.That(Run.Until(() => File.Exists(Path.Combine(ServiceDirectory, "supervise/ok"))
            && _supervised.TryStatus(out r) && (state == "crashing" || !wantUp || r.Pid != 0), 10_000), Is.True, $"{state}: runsv never got ready");
        // supervise/ok exists a moment before runsv opens it: wait until sv sees a live runsv.
        Assert.That(Run.Until(() => Run.Command(Supervised.RunitSv, "status", ServiceDirectory).Stdout is var o
            && !o.StartsWith("fail:") && !o.StartsWith("warning:"), 10_000), Is.True, $"{state}: sv never saw runsv");
        if (wantUp && state != "crashing")
            Assert.That(Run.Until(() => IgnoresHup(r.Pid), 10_000), Is.True, $"{state}: ./run never set its trap");
        if (state is "up-with-log" or "down-with-log")
            Assert.That(Run.Until(() => _supervised.TryStatus(out r, log: true) && r.Pid != 0, 10_000), Is.True, "logger never ran");
        if (state == "paused")
        {
            _supervised.Control("p");
            Assert.That(Run.Until(() => _supervised.TryStatus(out r) && r.Paused, 5_000), Is.True, "never paused");
        }
    }

    /// <summary>The process ignores SIGHUP (its shell has run the trap), by /proc's SigIgn.</summary>
    private static bool IgnoresHup(int pid)
    {
        try { return Init.Runtime.SignalSet.InStatus(File.ReadAllText($"/proc/{pid}/status"), "SigIgn:").Contains(1); }
        catch (IOException) { return false; }
    }

    private void Script(string relative, string body)
    {
        string file = Path.Combine(ServiceDirectory, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(file)!);
        File.WriteAllText(file, body);
        File.SetUnixFileMode(file, (UnixFileMode)0b111_101_101);
    }

    /// <summary>Waits until the supervisor has taken a control byte: its status shows <paramref name="want"/> ('u' or 'd').</summary>
    public void WaitForWant(char want)
    {
        StatusRecord r = default;
        Assert.That(Run.Until(() => _supervised!.TryStatus(out r) && r.Want == want, 5_000), Is.True, $"the status never showed want {want}");
    }

    /// <summary>The second (Unix) of the newest status record, the service's or its logger's; null without one.</summary>
    public long? StatusSecond
    {
        get
        {
            if (_supervised is null) return null;
            long? newest = null;
            foreach (bool log in new[] { false, true })
                if (_supervised.TryStatus(out var r, log)) newest = Math.Max(newest ?? 0, r.Since.UnixSeconds);
            return newest;
        }
    }

    /// <summary>
    /// runit's sv compares each status time with its own start in whole seconds (`once` is done at
    /// once while the status is older than sv's start second, `term`/`kill` wait for one that is not),
    /// so a command in the second the state was set up and one a second later print different
    /// things. Waits until the clock has left the second of every status here: both sv then start
    /// in a later second than every status they find, however long the preparation took.
    /// </summary>
    public static void StartInALaterSecond(params ServiceState[] states)
    {
        long newest = states.Max(s => s.StatusSecond ?? 0);
        Assert.That(Run.Until(() => DateTimeOffset.UtcNow.ToUnixTimeSeconds() > newest, 2_000), Is.True, "the clock did not move on");
    }

    /// <summary>Runs <paramref name="sv"/> (or a link to it) with SVDIR set to this state's directory.</summary>
    public RunResult Sv(string sv, string arguments, string? workingDirectory = null, string? svwait = null) =>
        Run.Command(sv, arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries), workingDirectory ?? SvDir,
            new Dictionary<string, string?> { ["SVDIR"] = SvDir, ["SVWAIT"] = svwait }, timeoutMs: 30_000);

    /// <summary>Pids and ages vary between runs: "(pid 123) 45s" becomes "(pid N) Ns".</summary>
    public static string Normalise(string output) => Version().Replace(Seconds().Replace(Pid().Replace(output, "(pid N)"), "Ns"), "$Id$");

    [GeneratedRegex(@"\(pid \d+\)")] private static partial Regex Pid();
    [GeneratedRegex(@"\b\d+s\b")] private static partial Regex Seconds();
    /// <summary>sv -V: runit prints its VCS id, we print ours.</summary>
    [GeneratedRegex(@"\$Id:[^\n]*\$")] private static partial Regex Version();

    public void Dispose() => _supervised?.Dispose();
}
