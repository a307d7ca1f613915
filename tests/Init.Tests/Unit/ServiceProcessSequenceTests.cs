using CsCheck;
using Init.Supervision;

namespace Init.Tests.Unit;

/// <summary>
/// Whole histories rather than single cells: generated sequences of control bytes (garbage
/// included), exits, override endings and time passing. None throws, the published state always
/// makes sense, and once everything has settled a service wanted up is running.
/// </summary>
public partial class ServiceProcessTests
{
    private enum Event : byte { Byte, Exit, EndOverride, Time }

    [Test, MaxTime(30_000), Category("Reliability")]
    public void Any_history_of_bytes_exits_and_overrides_keeps_the_state_consistent_and_ends_running_when_wanted_up()
    {
        var histories = Gen.Select(Gen.Bool, Gen.Bool, Gen.Char["tdkpuxi"].Array[0, 3],
            Gen.Select(Gen.Enum<Event>(), Gen.Char["udoxtkpchaiq12z\0\n"]).Array[0, 40]);
        histories.Sample((isLog, hasFinish, overrides, events) =>
        {
            var world = new FakeWorld { HasFinish = hasFinish };
            foreach (char c in overrides) world.ExecutableOverrides.Add(c);
            var p = new ServiceProcess(isLog, world);
            p.Reconcile();
            foreach (var (kind, command) in events)
            {
                switch (kind)
                {
                    case Event.Byte: p.Control(command); break;
                    case Event.Exit when p.Pid != 0: p.Exited(command); break;       // the live child exits
                    case Event.EndOverride when world.Running is not null: world.EndOverride(p); break;
                    case Event.Time: world.Now += 700; p.Reconcile(); break;
                }
                AssertConsistent(p, world);
            }
            // Settle: every override ends, every child exits once, time passes, and the service is wanted up.
            for (int round = 0; round < 10 && (world.Running is not null || p.Busy); round++) world.EndOverride(p);
            world.ExecutableOverrides.Clear();
            p.Control('u');
            for (int round = 0; round < 5; round++)
            {
                world.Now += 1500;
                p.Reconcile();
                if (world.Running is not null) world.EndOverride(p);
                if (p.State != RunState.Run && p.Pid != 0) p.Exited(0);   // ./finish ends; a child marked down by k is reaped
            }
            AssertConsistent(p, world);
            Assert.That((p.State, p.Pid != 0, p.Want), Is.EqualTo((RunState.Run, true, Want.Up)), string.Join(", ", world.Log));
        }, iter: 3_000);
        Init.Tests.Support.Reliability.Record("bad input", "control bytes (garbage included), exits, overrides and time in random histories of up to 40 events", 3_000, "state always consistent; running once wanted up");
    }

    private static void AssertConsistent(ServiceProcess p, FakeWorld world)
    {
        Assert.That(p.Status.Want, Is.AnyOf('u', 'd'));
        Assert.That(!p.TermSent || p.Pid != 0, Is.True, "TERM sent to no process");
        Assert.That(p.Busy, Is.EqualTo(world.Running is not null), "busy exactly while an override runs");
        Assert.That(p.IsLog && world.Log.Any(l => l.StartsWith("control/", StringComparison.Ordinal)), Is.False, "the logger never runs control/<c>");
        Assert.That(p.State != RunState.Finish || world.HasFinish && !p.IsLog, Is.True, "finish only for a service with ./finish");
    }
}
