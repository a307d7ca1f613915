using System.Text.RegularExpressions;
using Init.Tests.Support;

namespace Init.Tests.Runsv;

/// <summary>
/// Too few file descriptors, at every threshold, for runsv and for the engine: a message in Init's
/// words naming the limit (never an internal error), exit 111 where it cannot start, and where it
/// can, a supervise/ that sv (ours and runit's) reads as the true state once the writes get through.
/// </summary>
public class FdLimitTests
{
    [TestCase("runsv", 4), TestCase("runsv", 6), TestCase("runsv", 8), TestCase("runsv", 10), TestCase("runsv", 12),
     TestCase("runsv", 14), TestCase("runsv", 16), TestCase("runsv", 20)]
    [TestCase("engine", 6), TestCase("engine", 10), TestCase("engine", 14), TestCase("engine", 17), TestCase("engine", 20)]
    [CancelAfter(30_000)]
    public void Out_of_descriptors_it_names_the_limit_and_sv_eventually_shows_the_true_state(string supervisor, int limit)
    {
        Requires.Installed(Supervised.RunitSv);
        using var temp = new TempDirectory();
        temp.Script("service/svc/run", "#!/bin/sh\nexec sleep 1000\n");
        string service = temp["service/svc"];
        // Without CAP_SYS_RESOURCE even root cannot lift the hard limit (the engine raises its own).
        string[] command = supervisor == "runsv" ? [Binary.Applet("runsv"), service] : [Binary.Applet("runsvdir"), temp["service"]];
        var p = Run.Background("/usr/bin/setpriv", ["--bounding-set=-sys_resource", "--inh-caps=-sys_resource",
            "/usr/bin/prlimit", $"--nofile={limit}:{limit}", .. command], temp.Path, temp.Path, "supervisor",
            new Dictionary<string, string?> { ["INIT_SUPERVISION"] = "engine" });
        string Stderr() => File.ReadAllText(temp["supervisor.err"]);
        string Truth() => Sys("pid") is { Length: > 0 } pid && Directory.Exists("/proc/" + pid.Trim()) ? "run: " : "down: ";
        string? Sys(string file) { try { return File.ReadAllText(Path.Combine(service, "supervise", file)); } catch (IOException) { return null; } }
        try
        {
            var limitText = new Regex($@": process cannot open more files \(the limit is {limit} open files; raise it with ulimit -n\)$");
            bool exited = Run.Until(() => p.HasExited || Stderr().Contains("raise it with ulimit -n") || File.Exists(Path.Combine(service, "supervise/ok")), 10_000)
                && Run.Until(() => p.HasExited, 500);
            TestContext.Out.WriteLine(Stderr());
            Assert.That(Stderr(), Does.Not.Contain("internal error"));
            foreach (var line in Stderr().Split('\n', StringSplitOptions.RemoveEmptyEntries))
                Assert.That(line, Does.Match(@"^runsv(dir)? \S+: (warning|fatal): ").And.Match(limitText.ToString()), "every message names the limit");
            if (limit <= 8) Assert.That(exited, Is.True, "too few descriptors to start");
            if (limit >= 20) Assert.That(Stderr(), Is.Empty, "enough descriptors");
            if (exited)
            {
                Assert.That(p.ExitCode, Is.EqualTo(111));
                Assert.That(Stderr(), Does.Contain(": fatal: "));
                return;
            }
            // The engine's default logger holds three more for a service without log/ (its pipe, its sv log socket).
            if (limit >= 20) Assert.That(Run.Until(() => Truth() == "run: "), Is.True, "the service runs");
            // A supervisor that holds supervise/ok must be read as the true state; where it could not
            // even open ok (or make supervise/), sv must say it is not supervised, never a state.
            bool True(RunResult r) => Init.Supervision.SuperviseClient.HasSupervisor(Path.Combine(service, "supervise"))
                ? r.Stdout.StartsWith(Truth())
                : r.Stdout.Contains("unable to open supervise/ok") || r.Stdout.Contains("runsv not running");
            foreach (var sv in new[] { Supervised.RunitSv, Binary.Applet("sv") })
                Assert.That(Run.Until(() => True(Run.Command(sv, "status", service))), Is.True,
                    $"{sv} status: {Run.Command(sv, "status", service)} but the service is {Truth()}");
        }
        finally
        {
            Runsvdir.RunsvdirTests.Stop(p, supervisor == "runsv" ? 15 : 1);
            if (Sys("pid") is { Length: > 0 } pid) Run.Shell($"kill -9 {pid.Trim()} 2>/dev/null", cancellable: false);
        }
    }
}
