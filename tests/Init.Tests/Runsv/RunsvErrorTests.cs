using Init.Tests.Support;

namespace Init.Tests.Runsv;

/// <summary>Bad input gets runit's message and exit code; runsv never crashes.</summary>
public class RunsvErrorTests
{
    [Test, CancelAfter(10_000)]
    public void Usage_errors_exit_1_like_runit()
    {
        var ours = Run.Command(Binary.Applet("runsv"));
        var theirs = Run.Command(Supervised.RunitRunsv);
        Assert.That((ours.ExitCode, ours.Stderr), Is.EqualTo((theirs.ExitCode, theirs.Stderr.Replace(Supervised.RunitRunsv, Binary.Applet("runsv")))));
    }

    [Test, CancelAfter(10_000)]
    public void A_missing_directory_is_fatal_with_exit_111()
    {
        var ours = Run.Command(Binary.Applet("runsv"), "/nonexistent/svc");
        Assert.That(ours.ExitCode, Is.EqualTo(111));
        Assert.That(ours.Stderr, Is.EqualTo("runsv /nonexistent/svc: fatal: unable to change to directory: file does not exist\n"));
    }

    [Test, CancelAfter(15_000)]
    public void A_second_runsv_on_the_same_directory_refuses_with_runits_message()
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "exec sleep 1000\n");
        using var first = new Supervised(temp["svc"]);
        first.WaitRunning();

        var ours = Run.Command(Binary.Applet("runsv"), temp["svc"]);
        var theirs = Run.Command(Supervised.RunitRunsv, temp["svc"]);

        Assert.That(ours.ExitCode, Is.EqualTo(111).And.EqualTo(theirs.ExitCode));
        Assert.That(ours.Stderr, Is.EqualTo(theirs.Stderr));
    }

    [TestCase("missing")]
    [TestCase("not-executable")]
    [CancelAfter(15_000)]
    [Category("Reliability")]
    public void A_run_that_cannot_be_started_is_reported_and_retried_without_a_busy_loop(string problem)
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp["svc"]);
        if (problem == "not-executable") temp.Write("svc/run", "#!/bin/sh\nexit 0\n");
        using var supervised = new Supervised(temp["svc"], logDirectory: temp.Path);

        string[] Errors() => File.ReadAllText(temp["svc.runsv.err"]).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var arrivals = Run.Arrivals(() => Errors().Length, 3);
        string expected = problem == "missing" ? "file does not exist" : "access denied";

        Assert.That(Errors()[0] + "\n", Does.StartWith($"runsv {temp["svc"]}: fatal: unable to start ./run: {expected}\n"));
        Assert.That(arrivals.Zip(arrivals.Skip(1), (a, b) => b - a), Has.All.InRange(700, 2_000), "retried about once a second, never a busy loop, nor slower");
        Assert.That(supervised.Exited, Is.False, "runsv keeps supervising");
        supervised.Control("d");
        Assert.That(Run.Until(() => supervised.Status().Want == 'd', 1000), Is.True);
        Reliability.Record("bad input", $"./run that cannot be started ({problem})", 1, "reported, retried each second, no busy loop");
    }

    [Test, CancelAfter(10_000)]
    public void A_control_file_that_is_not_a_fifo_is_fatal_with_runits_message()
    {
        using var temp = new TempDirectory();
        temp.Script("svc/run", "exec sleep 1000\n");
        temp.Write("svc/supervise/control", "not a fifo");

        var ours = Run.Command(Binary.Applet("runsv"), temp["svc"]);
        var theirs = Run.Command(Supervised.RunitRunsv, temp["svc"]);

        Assert.That(ours.ExitCode, Is.EqualTo(111).And.EqualTo(theirs.ExitCode));
        Assert.That(ours.Stderr, Is.EqualTo(theirs.Stderr));
    }
}
