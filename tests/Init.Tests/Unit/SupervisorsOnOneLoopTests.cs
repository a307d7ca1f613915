using System.Diagnostics;
using Init.Runtime;
using Init.Supervision;
using Init.Tests.Support;

namespace Init.Tests.Unit;

/// <summary>Two supervisors on one event loop in this process, as the engine hosts them: one busy, the other unaffected.</summary>
[Parallelizable(ParallelScope.None)]
public class SupervisorsOnOneLoopTests
{
    [Test, MaxTime(20_000)]
    public void A_supervisor_waiting_for_its_control_override_does_not_hold_up_another_on_the_same_loop()
    {
        using var temp = new TempDirectory();
        temp.Script("slow/run", "#!/bin/sh\nexec sleep 1000\n");
        temp.Script("slow/control/d", "#!/bin/sh\nsleep 2\n");
        temp.Script("quick/run", "#!/bin/sh\nexec sleep 1000\n");
        using var loop = new EventLoop();
        using var slow = new ServiceSupervisor(temp["slow"], loop, new Diagnostics("runsv slow"));
        using var quick = new ServiceSupervisor(temp["quick"], loop, new Diagnostics("runsv quick"));
        slow.Start();
        quick.Start();
        Assert.That(RunUntil(loop, () => slow.Service.Pid != 0 && quick.Service.Pid != 0, 5_000), Is.True, "both started");
        int quickPid = quick.Service.Pid;

        slow.Control('d');                       // TERM, CONT, then control/d: 2 s of waiting
        var clock = Stopwatch.StartNew();
        quick.Control('t');                      // meanwhile the other restarts
        Assert.That(RunUntil(loop, () => quick.Service.Pid != 0 && quick.Service.Pid != quickPid, 3_000), Is.True, "quick restarted");

        Assert.That(clock.ElapsedMilliseconds, Is.LessThan(1_500), "not after slow's override");
        Assert.That((slow.Service.Busy, slow.Service.State), Is.EqualTo((true, RunState.Run)), "slow still waits for control/d; its exit is held back");
        Assert.That(RunUntil(loop, () => slow.Service.State == RunState.Down, 5_000), Is.True, "slow down once control/d exited");
        Assert.That(clock.ElapsedMilliseconds, Is.GreaterThanOrEqualTo(1_800));

        quick.Exit();
        Assert.That(RunUntil(loop, () => quick.Service.Pid == 0, 5_000), Is.True);
    }

    private static bool RunUntil(EventLoop loop, Func<bool> condition, int timeoutMs)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && clock.ElapsedMilliseconds < timeoutMs) loop.RunOnce(50);
        return condition();
    }
}
