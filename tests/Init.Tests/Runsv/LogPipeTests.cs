using Init.Tests.Support;

namespace Init.Tests.Runsv;

public class LogPipeTests
{
    /// <summary>
    /// The service numbers its lines and resumes from a counter file; the logger (bash, whose read
    /// takes one byte at a time from a pipe, so it never takes more than it writes) lives for about
    /// a second and exits. runsv holds both ends of the pipe, so nothing is lost across either restart.
    /// </summary>
    [Test, CancelAfter(120_000)]
    public void Every_line_arrives_in_order_while_the_service_and_the_logger_restart_20_times_each()
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", """
            n=$(cat ../counter 2>/dev/null || echo 0)
            while :; do n=$((n+1)); echo "line $n"; echo $n >../counter.new; mv ../counter.new ../counter; done
            """);
        temp.Script("svc/log/run", """
            #!/bin/bash
            while IFS= read -r l; do printf '%s\n' "$l" >>../../log.txt; (( SECONDS >= 1 )) && break; done
            echo x >>../../logger-lives
            """);
        using var supervised = new Supervised(temp["svc"]);
        supervised.WaitRunning();

        for (int restart = 0; restart < 20; restart++)
        {
            int pid = supervised.Status().Pid;
            Run.Command("/bin/kill", "-9", pid.ToString());
            Assert.That(Run.Until(() => supervised.Status().Pid is var p && p != 0 && p != pid, 5000), Is.True, "service restarted");
        }
        Assert.That(Run.Until(() => File.Exists(temp["logger-lives"]) && File.ReadAllLines(temp["logger-lives"]).Length >= 20, 60_000),
            Is.True, "the logger lived and restarted 20 times");
        supervised.Control("d");
        // The count once the service is down (it writes on until TERM takes it); the wait is on the
        // last number logged, not on the count of lines (a killed service repeats one: a count
        // would be reached before the last line is in).
        Assert.That(Run.Until(() => supervised.Status() is { State: Init.Supervision.RunState.Down, Pid: 0 }, 10_000), Is.True, "the service went down");
        int written = int.Parse(File.ReadAllText(temp["counter"]).Trim());
        int LastLogged() => File.ReadAllLines(temp["log.txt"]) is [.., var last] ? int.Parse(last["line ".Length..]) : 0;
        Assert.That(Run.Until(() => LastLogged() >= written, 30_000), Is.True, "the logger drains the pipe");

        var numbers = File.ReadAllLines(temp["log.txt"]).Select(l => int.Parse(l["line ".Length..])).ToArray();
        Assert.That(numbers[0], Is.EqualTo(1));
        for (int i = 1; i < numbers.Length; i++)
            Assert.That(numbers[i] - numbers[i - 1], Is.InRange(0, 1),
                $"line {numbers[i - 1]} followed by {numbers[i]}: lost or reordered (0 = the line the killed service repeats)");
        Assert.That(numbers[^1], Is.GreaterThanOrEqualTo(written));
    }
}
