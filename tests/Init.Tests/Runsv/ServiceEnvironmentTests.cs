using Init.Tests.Support;

namespace Init.Tests.Runsv;

/// <summary>What a service inherits from our runsv: signal state, descriptors, session and terminal.</summary>
public class ServiceEnvironmentTests
{
    [Test, CancelAfter(20_000)]
    public void A_service_starts_with_no_ignored_or_blocked_signals_no_terminal_and_only_fds_0_1_2()
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "exec sleep 1000\n");
        temp.Script("svc/log/run", "exec sleep 1000\n");
        using var supervised = new Supervised(temp["svc"]);

        int pid = supervised.WaitRunning().Pid;
        // Until the script has exec'd sleep, the shell holds its script open.
        Assert.That(Run.Until(() => File.ReadAllText($"/proc/{pid}/comm").Trim() == "sleep"), Is.True);
        var status = File.ReadAllLines($"/proc/{pid}/status").ToDictionary(l => l[..l.IndexOf(':')], l => l[(l.IndexOf(':') + 1)..].Trim());
        string[] Fds() => Directory.GetFileSystemEntries($"/proc/{pid}/fd").Select(f => Path.GetFileName(f)!).OrderBy(f => f).ToArray();
        // sleep itself opens locale files for a moment while it starts; a leaked fd stays.
        Run.Until(() => Fds().Length == 3, 3000);
        var fds = Fds();
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');   // fields after "(comm)": state ppid pgrp session tty_nr …

        Assert.Multiple(() =>
        {
            Assert.That(status["SigIgn"], Is.EqualTo("0000000000000000"), "no signal may be ignored (the runtime ignores SIGPIPE)");
            Assert.That(status["SigBlk"], Is.EqualTo("0000000000000000"), "no signal may be blocked");
            Assert.That(fds, Is.EqualTo(new[] { "0", "1", "2" }), "only stdin, stdout, stderr are inherited: " + string.Join(", ", fds.Select(f => f + " -> " + new FileInfo($"/proc/{pid}/fd/{f}").LinkTarget)));
            Assert.That(fields[3], Is.EqualTo(pid.ToString()), "the service leads its own session");
            Assert.That(fields[4], Is.EqualTo("0"), "no controlling terminal");
            Assert.That(new FileInfo($"/proc/{pid}/fd/1").LinkTarget, Does.StartWith("pipe:"), "stdout goes to the log pipe");
        });
    }

    [Test, CancelAfter(20_000)]
    public void A_service_sees_runsv_environment_and_runs_in_its_directory_with_argv0_run()
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "echo \"$0 $(pwd) $MARKER\" >../seen\nexec sleep 1000\n");
        var env = new Dictionary<string, string?> { ["MARKER"] = "inherited" };
        using var runsv = Run.Background(Binary.Applet("runsv"), [temp["svc"]], temp.Path, temp.Path, "runsv", env);
        try
        {
            Assert.That(Run.Until(() => File.Exists(temp["seen"]) && File.ReadAllText(temp["seen"]).EndsWith('\n')), Is.True);
            Assert.That(File.ReadAllText(temp["seen"]), Is.EqualTo($"./run {temp["svc"]} inherited\n"));
        }
        finally
        {
            File.WriteAllText(temp["svc/supervise/control"], "x");
            runsv.WaitForExit(5000);
        }
    }
}
