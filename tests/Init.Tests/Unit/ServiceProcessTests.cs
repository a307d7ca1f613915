using Init.Supervision;
using static Init.Interop.Consts;
using Init.Runtime;

namespace Init.Tests.Unit;

/// <summary>The runsv state machine, cell by cell, against a recording fake of the world.</summary>
public partial class ServiceProcessTests
{
    private sealed class FakeWorld : IServiceActions
    {
        public long Now { get; set; } = 10_000;
        public bool HasFinish { get; set; }
        public bool DeclaresReadiness { get; set; }
        public bool DependenciesReady { get; set; } = true;
        public bool MayStart() => DependenciesReady;
        public HashSet<char> HandledOverrides { get; } = [];
        public List<string> Log { get; } = [];
        public int NextPid = 100;
        public bool SpawnFails;
        public long? WakeRequested;
        public ServicePolicy Policy { get; set; } = ServicePolicy.Runit;

        public int Spawn(ServiceProcess process, bool finish)
        {
            Log.Add(finish ? "spawn finish" : "spawn run");
            return SpawnFails ? 0 : NextPid++;
        }
        /// <summary>Overrides that exist: they start, and the process waits until the test ends them with <see cref="EndOverride"/>.</summary>
        public HashSet<char> ExecutableOverrides { get; } = [];
        public char? Running;

        public bool StartOverride(char command)
        {
            Log.Add($"control/{command}");
            if (!ExecutableOverrides.Contains(command) && !HandledOverrides.Contains(command)) return false;
            Running = command;
            return true;
        }

        /// <summary>The running override exits: 0 ("handled") when it is one of <see cref="HandledOverrides"/>.</summary>
        public void EndOverride(ServiceProcess process)
        {
            char command = Running ?? throw new InvalidOperationException("no override running");
            Running = null;
            process.OverrideFinished(HandledOverrides.Contains(command));
        }
        public void Signal(int pid, int signo) => Log.Add($"kill {pid} {signo}");
        public void SignalAll(int pid, int signo) => Log.Add($"kill {pid} {signo}");   // runsv's world: the pid alone
        public void Publish(ServiceProcess process) => Log.Add("publish");
        public void WakeAt(long monotonicMs) { WakeRequested = monotonicMs; Log.Add("wake"); }
        public void Report(string message) => Log.Add("report " + message);
        /// <summary>Services that need this one are up: a stop waits for them (<see cref="ServiceProcess.DependantsStopped"/>).</summary>
        public bool DependantsUp;
        public bool StopDependants()
        {
            if (!DependantsUp) return false;
            Log.Add("stop dependants");
            return true;
        }
    }

    private static (ServiceProcess, FakeWorld) Running(bool log = false, bool hasFinish = false)
    {
        var world = new FakeWorld { HasFinish = hasFinish };
        var p = new ServiceProcess(log, world);
        p.Reconcile();
        world.Log.Clear();
        world.Now += 5000;
        return (p, world);
    }

    [Test, MaxTime(5_000)]
    public void A_new_service_wanted_up_starts_run_after_control_u()
    {
        var world = new FakeWorld();
        var p = new ServiceProcess(false, world);
        p.Reconcile();
        Assert.That(world.Log, Is.EqualTo(new[] { "control/u", "spawn run", "publish" }));
        Assert.That((p.State, p.Pid, p.Want), Is.EqualTo((RunState.Run, 100, Want.Up)));
    }

    [Test, MaxTime(5_000)]
    public void A_service_with_a_down_file_does_not_start()
    {
        var world = new FakeWorld();
        var p = new ServiceProcess(false, world);
        p.StartDown();
        p.Reconcile();
        Assert.That(world.Log, Is.Empty);
        Assert.That(p.Status.Want, Is.EqualTo('d'));
    }

    [Test, MaxTime(5_000)]
    public void Down_sends_TERM_then_CONT_and_runs_control_d()
    {
        var (p, world) = Running();
        p.Control('d');
        Assert.That(world.Log, Is.EqualTo(new[] { "publish", "control/t", "kill 100 15", "publish", "kill 100 18", "control/d" }));
        Assert.That((p.Want, p.TermSent, p.State), Is.EqualTo((Want.Down, true, RunState.Run)));
    }

    [Test, MaxTime(5_000)]
    public void A_handled_control_t_replaces_the_TERM()
    {
        var (p, world) = Running();
        world.HandledOverrides.Add('t');
        p.Control('t');
        world.EndOverride(p);
        Assert.That(world.Log, Is.EqualTo(new[] { "control/t" }));
        Assert.That(p.TermSent, Is.False);
    }

    [Test, MaxTime(5_000)]
    public void The_signal_waits_for_the_override_and_is_sent_only_when_it_fails()
    {
        var (p, world) = Running();
        world.ExecutableOverrides.Add('h');
        p.Control('h');
        Assert.That((p.Busy, world.Log.Count), Is.EqualTo((true, 1)), "nothing but control/h while it runs");
        world.EndOverride(p);
        Assert.That(world.Log, Is.EqualTo(new[] { "control/h", "kill 100 1" }));
        Assert.That(p.Busy, Is.False);
    }

    [Test, MaxTime(5_000)]
    public void An_exit_and_bytes_arriving_during_an_override_are_applied_as_runsvs_loop_then_finds_them()
    {
        var (p, world) = Running();
        world.ExecutableOverrides.Add('t');
        p.Control('t');
        p.Control('p');
        p.Exited(9);
        p.Control('d');
        Assert.That(world.Log, Is.EqualTo(new[] { "control/t" }), "runsv would still sit in waitpid for control/t");
        world.Log.Clear();

        world.EndOverride(p);

        // The rest of t's cell; the exit (runsv reaps before it reads); p, then the loop top starts
        // ./run again (clearing paused); d stops that new ./run through control/t once more.
        Assert.That(world.Log, Is.EqualTo(new[] { "kill 100 15", "publish", "publish", "publish", "control/u", "spawn run", "publish", "publish", "control/t" }));
        int second = p.Pid;
        Assert.That((p.State, p.Paused, p.Want, p.LastStatus), Is.EqualTo((RunState.Run, false, Want.Down, 9)));
        Assert.That(second, Is.Not.EqualTo(100));
        world.Log.Clear();

        world.EndOverride(p);

        Assert.That(world.Log, Does.Contain($"kill {second} 15"), "the new ./run gets the TERM");
        Assert.That((p.TermSent, p.Want), Is.EqualTo((true, Want.Down)));
    }

    [Test, MaxTime(5_000)]
    public void Control_u_runs_before_the_start_and_run_is_spawned_only_after_it_exits()
    {
        var world = new FakeWorld();
        world.ExecutableOverrides.Add('u');
        var p = new ServiceProcess(false, world);
        p.Reconcile();
        p.Reconcile();
        Assert.That(world.Log, Is.EqualTo(new[] { "control/u" }), "no second control/u, no run yet");
        world.EndOverride(p);
        Assert.That(world.Log, Is.EqualTo(new[] { "control/u", "spawn run", "publish" }));
        Assert.That(p.State, Is.EqualTo(RunState.Run));
    }

    [Test, MaxTime(5_000)]
    public void An_adopted_process_is_resumed_as_published_and_not_started_again()
    {
        var world = new FakeWorld();
        var p = new ServiceProcess(false, world);
        var since = Tai64N.FromUnix(1_700_000_000, 0);
        p.Adopt(new StatusRecord(since, 4242, Paused: false, Want: 'd', TermSent: false, RunState.Run));
        p.Reconcile();
        Assert.That(world.Log, Has.None.StartsWith("spawn"));
        Assert.That((p.Pid, p.State, p.Want, p.Since), Is.EqualTo((4242, RunState.Run, Want.Down, since)));
        p.Exited(ServiceProcess.UnknownStatus);
        Assert.That((p.State, p.Pid, p.LastStatus), Is.EqualTo((RunState.Down, 0, ServiceProcess.UnknownStatus)));
        Assert.That(world.Log, Has.None.StartsWith("spawn"), "wanted down: it stays down");
    }

    [Test, MaxTime(5_000)]
    public void Exit_of_a_service_wanted_up_restarts_it_once_a_second_has_passed()
    {
        var (p, world) = Running();
        p.Exited(0);
        Assert.That((p.State, p.Pid), Is.EqualTo((RunState.Down, 0)));
        p.Reconcile();
        Assert.That(world.Log, Is.EqualTo(new[] { "publish", "control/u", "spawn run", "publish" }));
    }

    [Test, MaxTime(5_000)]
    public void A_service_that_ran_less_than_a_second_waits_for_a_timer_instead_of_restarting()
    {
        var world = new FakeWorld { Now = 10_000 };
        var p = new ServiceProcess(false, world);
        p.Reconcile();
        world.Now = 10_300;
        p.Exited(256);
        world.Log.Clear();

        p.Reconcile();

        Assert.That(world.Log, Is.EqualTo(new[] { "wake" }));
        Assert.That(world.WakeRequested, Is.EqualTo(11_000), "one second after the start of ./run");
        world.Now = 11_000;
        p.Reconcile();
        Assert.That(p.State, Is.EqualTo(RunState.Run));
    }

    [Test, MaxTime(5_000)]
    public void Exit_with_a_finish_script_enters_finish_and_runs_it_with_the_status()
    {
        var (p, world) = Running(hasFinish: true);
        p.Exited(7 << 8);
        p.Reconcile();
        Assert.That(world.Log, Is.EqualTo(new[] { "publish", "spawn finish", "publish" }));
        Assert.That((p.State, p.LastStatus, p.Pid), Is.EqualTo((RunState.Finish, 7 << 8, 101)));
        p.Exited(0);
        Assert.That((p.State, p.LastStatus), Is.EqualTo((RunState.Down, 7 << 8)), "finish's own status does not replace run's");
    }

    [Test, MaxTime(5_000)]
    public void Down_while_finishing_sends_nothing()
    {
        var (p, world) = Running(hasFinish: true);
        p.Exited(0);
        p.Reconcile();
        world.Log.Clear();
        p.Control('d');
        Assert.That(world.Log, Is.EqualTo(new[] { "publish" }));
    }

    [Test, MaxTime(5_000)]
    public void Once_starts_a_down_service_with_want_down_and_it_stays_down_after_exit()
    {
        var world = new FakeWorld();
        var p = new ServiceProcess(false, world);
        p.StartDown();
        p.Control('o');
        Assert.That((p.State, p.Want), Is.EqualTo((RunState.Run, Want.Down)));
        world.Now += 5000;
        p.Exited(0);
        world.Log.Clear();
        p.Reconcile();
        Assert.That(world.Log, Is.Empty);
    }

    [Test, MaxTime(5_000)]
    public void Pause_sets_the_flag_even_when_down_and_cont_clears_it()
    {
        var world = new FakeWorld();
        var p = new ServiceProcess(false, world);
        p.StartDown();
        p.Control('p');
        Assert.That(p.Paused, Is.True);
        Assert.That(world.Log, Is.EqualTo(new[] { "publish" }), "no signal without a process");
        p.Control('c');
        Assert.That(p.Paused, Is.False);
    }

    [TestCase('h', SIGHUP)]
    [TestCase('a', SIGALRM)]
    [TestCase('i', SIGINT)]
    [TestCase('q', SIGQUIT)]
    [TestCase('1', SIGUSR1)]
    [TestCase('2', SIGUSR2)]
    [MaxTime(5_000)]
    public void Signal_commands_send_their_signal_without_rewriting_status(char command, int signo)
    {
        var (p, world) = Running();
        p.Control(command);
        Assert.That(world.Log, Is.EqualTo(new[] { $"control/{command}", $"kill 100 {signo}" }));
    }

    [Test, MaxTime(5_000)]
    public void Kill_sends_SIGKILL_and_marks_the_state_down_before_the_exit()
    {
        var (p, world) = Running();
        p.Control('k');
        Assert.That(world.Log, Is.EqualTo(new[] { "control/k", "kill 100 9" }));
        Assert.That(p.State, Is.EqualTo(RunState.Down));
    }

    [Test, MaxTime(5_000)]
    public void Exit_is_ignored_by_the_logger_and_the_logger_never_runs_control_scripts()
    {
        var (p, world) = Running(log: true);
        p.Control('x');
        p.Control('d');
        Assert.That(p.Want, Is.EqualTo(Want.Down));
        Assert.That(world.Log, Has.None.StartsWith("control/"));
    }

    [Test, MaxTime(5_000)]
    public void A_run_that_cannot_be_spawned_counts_as_an_exit_with_111()
    {
        var world = new FakeWorld { SpawnFails = true, HasFinish = true };
        var p = new ServiceProcess(false, world);
        p.Reconcile();
        Assert.That(p.LastStatus, Is.EqualTo(111 << 8));
        Assert.That(world.Log, Does.Contain("spawn finish"), "finish still runs, as runsv's child exiting 111 would cause");
    }

    [TestCase('z')]
    [TestCase('\n')]
    [TestCase('\0')]
    [MaxTime(5_000)]
    public void Unknown_control_bytes_are_ignored(char command)
    {
        var (p, world) = Running();
        p.Control(command);
        Assert.That(world.Log, Is.Empty);
    }

    [Test, MaxTime(5_000)]
    public void A_service_that_declares_readiness_starts_as_starting_becomes_ready_when_told_and_none_once_down()
    {
        var world = new FakeWorld { DeclaresReadiness = true };
        var p = new ServiceProcess(false, world);
        p.Reconcile();
        Assert.That((p.State, p.Readiness), Is.EqualTo((RunState.Run, Readiness.Starting)));

        p.Notified(p.Pid + 1);
        Assert.That(p.Readiness, Is.EqualTo(Readiness.Starting), "only the running ./run may say it");
        world.Log.Clear();
        p.Notified(p.Pid);
        Assert.That((p.Readiness, world.Log), Is.EqualTo((Readiness.Ready, new List<string> { "publish" })));

        p.Exited(0);
        Assert.That(p.Readiness, Is.EqualTo(Readiness.None));
        world.DeclaresReadiness = false;
        world.Now += 5_000;
        p.Reconcile();
        Assert.That((p.State, p.Readiness), Is.EqualTo((RunState.Run, Readiness.None)), "a ./run without notification-fd is just up");
    }
}
