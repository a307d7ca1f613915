using Init.Supervision;
using Init.Tests.Support;

namespace Init.Tests.Runsv;

public class RestartTests
{
    [Test, CancelAfter(150_000)]
    [Category("Reliability")]
    public void A_service_killed_50_times_is_back_every_time_with_a_new_pid()
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "exec sleep 1000\n");
        using var supervised = new Supervised(temp["svc"]);
        var seen = new HashSet<int>();

        int pid = supervised.WaitRunning().Pid;
        for (int i = 0; i < 50; i++)
        {
            seen.Add(pid);
            Run.Command("/bin/kill", "-9", pid.ToString());
            int previous = pid;
            Assert.That(Run.Until(() =>
            {
                var text = File.ReadAllText(temp["svc/supervise/pid"]).Trim();
                return int.TryParse(text, out pid) && pid != previous && supervised.Status().State == RunState.Run;
            }, 5000), Is.True, $"not restarted after kill #{i + 1}");
            Assert.That(supervised.Status().Pid, Is.EqualTo(pid), "status record and pid file agree");
            Assert.That(Directory.Exists($"/proc/{pid}"), Is.True, "the pid in supervise/pid is alive");
        }
        Assert.That(seen, Has.Count.EqualTo(50), "every restart has a new pid");
        Reliability.Record("supervision", "kill -9 of a service, 50 times", 50, "back every time with a new pid", doubled: "0");
    }

    [Test, CancelAfter(20_000)]
    public void A_service_that_exits_at_once_is_restarted_no_more_than_once_a_second()
    {
        using var temp = new TempDirectory();
        // Each start notes its time: the gaps between starts are the rule, however loaded the machine.
        temp.Script("svc/run", "date +%s.%N >>../starts\nexit 1\n");
        using var supervised = new Supervised(temp["svc"]);

        Assert.That(Run.Until(() => File.Exists(temp["starts"]) && File.ReadAllLines(temp["starts"]).Length >= 3, 10_000), Is.True, "not restarted twice");
        var starts = File.ReadAllLines(temp["starts"]).Take(3).Select(l => double.Parse(l, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        var gaps = starts.Zip(starts.Skip(1), (a, b) => b - a).ToArray();

        Assert.That(gaps, Has.All.InRange(0.7, 2.0), "one start per second (runit's rule), never a busy loop, nor slower");
        Assert.That(File.Exists(Path.Combine(temp["svc/supervise"], "ok")), Is.True);
        supervised.Control("d");   // the control FIFO answers while a restart is pending (runit's sleep(1) would not)
        Assert.That(Run.Until(() => supervised.Status().Want == 'd', 500), Is.True, "control answered at once");
    }

    [Test, CancelAfter(20_000)]
    public void Finish_gets_the_exit_code_and_signal_of_run_as_runit_passes_them()
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "[ -e ../second ] && kill -SEGV $$\ntouch ../second\nexit 7\n");
        temp.Script("svc/finish", "echo \"$@\" >>../finished\n");
        using var supervised = new Supervised(temp["svc"]);

        Assert.That(Run.Until(() => File.Exists(temp["finished"]) && File.ReadAllLines(temp["finished"]).Length >= 2, 8000), Is.True);
        supervised.Control("d");

        Assert.That(File.ReadAllLines(temp["finished"])[..2], Is.EqualTo(new[] { "7 0", "-1 11" }));
    }
}
