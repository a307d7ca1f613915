using Init.Supervision;
using Init.Tests.Support;

namespace Init.Tests.Runsv;

public class SuperviseProtocolTests
{
    [Test, CancelAfter(20_000)]
    public void A_dangling_supervise_symlink_gets_its_target_created_like_runit_does()
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "exec sleep 1000\n");
        File.CreateSymbolicLink(temp["svc/supervise"], temp["elsewhere/svc-supervise"]);
        Directory.CreateDirectory(temp["elsewhere"]);
        using var supervised = new Supervised(temp["svc"]);

        supervised.WaitRunning();

        Assert.That(File.Exists(temp["elsewhere/svc-supervise/status"]), Is.True);
        Assert.That(File.Exists(temp["elsewhere/svc-supervise/control"]), Is.True);
        var sv = Run.Command(Supervised.RunitSv, "status", temp["svc"]);
        Assert.That(sv.Stdout, Does.StartWith($"run: {temp["svc"]}: (pid "));
    }

    [Test, CancelAfter(20_000)]
    public void An_executable_control_t_that_exits_0_replaces_the_TERM_and_control_u_runs_before_every_start()
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "trap 'echo TERM >>../signals; exit 0' TERM\ntrap 'echo HUP >>../signals; exit 0' HUP\ntouch ../trapped\nwhile :; do sleep 0.05; done\n");
        temp.Script("svc/control/t", "echo t >>../overrides\nkill -HUP $(cat supervise/pid)\n");
        temp.Script("svc/control/u", "echo u >>../overrides\nexit 1\n");
        using var supervised = new Supervised(temp["svc"]);
        int first = supervised.WaitRunning().Pid;
        Assert.That(Run.Until(() => File.Exists(temp["trapped"]), 5000), Is.True, "./run never set its traps");

        supervised.Control("t");
        Assert.That(Run.Until(() => supervised.Status().Pid is var p && p != 0 && p != first, 5000), Is.True, "restarted");

        Assert.That(File.ReadAllText(temp["signals"]), Is.EqualTo("HUP\n"), "control/t's signal, not runsv's TERM");
        Assert.That(File.ReadAllText(temp["overrides"]), Is.EqualTo("u\nt\nu\n"));
        Assert.That(supervised.Status().TermSent, Is.False);
    }

    [Test, CancelAfter(20_000)]
    public void SIGTERM_to_runsv_takes_the_service_and_logger_down_and_runsv_exits_0()
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "echo hello\nexec sleep 1000\n");
        temp.Script("svc/log/run", "exec cat >>../../log.txt\n");
        using var supervised = new Supervised(temp["svc"]);
        int service = supervised.WaitRunning().Pid;
        int logger = supervised.WaitRunning(log: true).Pid;

        Run.Command("/bin/kill", "-TERM", supervised.RunsvPid.ToString());

        Assert.That(Run.Until(() => supervised.Exited, 5000), Is.True, "runsv exits");
        Assert.Multiple(() =>
        {
            Assert.That(Directory.Exists($"/proc/{service}"), Is.False, "service stopped");
            Assert.That(Directory.Exists($"/proc/{logger}"), Is.False, "logger got EOF and ended");
            Assert.That(File.ReadAllText(temp["log.txt"]), Is.EqualTo("hello\n"));
            Assert.That(supervised.Status().State, Is.EqualTo(RunState.Down));
            Assert.That(File.ReadAllText(temp["svc/log/supervise/stat"]), Is.EqualTo("down\n"));
        });
    }

    [Test, CancelAfter(20_000)]
    [Category("Reliability")]
    public void Garbage_on_the_control_fifo_is_ignored_and_runsv_keeps_answering()
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "exec sleep 1000\n");
        using var supervised = new Supervised(temp["svc"]);
        int pid = supervised.WaitRunning().Pid;
        var random = new Random(7);
        var garbage = new byte[4096];
        random.NextBytes(garbage);
        for (int i = 0; i < garbage.Length; i++)
            if ("udoxtkpchaiq12".Contains((char)garbage[i])) garbage[i] = (byte)'z';

        using (var fifo = new FileStream(temp["svc/supervise/control"], FileMode.Open, FileAccess.Write)) fifo.Write(garbage);
        supervised.Control("d");

        Assert.That(Run.Until(() => supervised.Status().State == RunState.Down, 5000), Is.True);
        Assert.That(Directory.Exists($"/proc/{pid}"), Is.False);
        Assert.That(supervised.Exited, Is.False);
        Reliability.Record("bad input", "garbage bytes on supervise/control", 1, "ignored; runsv keeps answering sv");
    }
}
