using Init.Interop;
using Init.Runtime;
using Init.Tests.Support;
using static Init.Interop.Consts;

namespace Init.Tests.Unit;

/// <summary>The event loop in this process: descriptors, timers, signals, children and failing handlers.</summary>
[Parallelizable(ParallelScope.None)]
public class EventLoopTests
{
    [Test, MaxTime(5_000)]
    public void Timers_fire_in_the_order_they_are_due_and_a_cancelled_one_never()
    {
        using var loop = new EventLoop();
        var fired = new List<string>();
        loop.After(60, () => fired.Add("60"));
        loop.After(20, () => fired.Add("20"));
        var cancelled = loop.After(40, () => fired.Add("40"));
        loop.After(0, () => fired.Add("0"));
        cancelled.Cancel();
        loop.After(100, loop.Stop);

        loop.Run();

        Assert.That(fired, Is.EqualTo(new[] { "0", "20", "60" }));
    }

    [Test, MaxTime(5_000)]
    public void A_watched_descriptor_calls_its_reader_while_readable_and_not_once_unwatched()
    {
        using var loop = new EventLoop();
        Assert.That(Sys.Pipe(out int readEnd, out int writeEnd, nonBlocking: true), Is.EqualTo(0));
        try
        {
            var read = new List<byte>();
            byte[] buffer = new byte[16];
            loop.Watch(readEnd, () =>
            {
                int n = Sys.Read(readEnd, buffer);
                read.AddRange(buffer[..n]);
                if (read.Count == 3) { loop.Unwatch(readEnd); loop.Stop(); }
            });
            loop.After(10, () => Sys.Write(writeEnd, "ab"u8));
            loop.After(30, () => Sys.Write(writeEnd, "c"u8));
            loop.Run();
            Sys.Write(writeEnd, "d"u8);

            loop.RunOnce(100);

            Assert.That(read, Is.EqualTo("abc"u8.ToArray()), "nothing read after Unwatch");
        }
        finally { Sys.Close(readEnd); Sys.Close(writeEnd); }
    }

    [Test, MaxTime(5_000)]
    public void A_signal_is_handled_on_the_loop_thread()
    {
        using var loop = new EventLoop();
        int handledOn = 0, signal = 0;
        loop.OnSignal(SIGUSR2, s => { signal = s; handledOn = Environment.CurrentManagedThreadId; loop.Stop(); });
        loop.After(0, () => Sys.Kill(Sys.GetPid(), SIGUSR2));

        loop.Run();

        Assert.That((signal, handledOn), Is.EqualTo((SIGUSR2, Environment.CurrentManagedThreadId)));
    }

    [Test, MaxTime(5_000)]
    public void SIGCHLD_is_refused_because_the_runtime_would_then_reap_every_child()
    {
        using var loop = new EventLoop();

        Assert.That(() => loop.OnSignal(SIGCHLD, _ => { }), Throws.ArgumentException);
    }

    [Test, MaxTime(10_000)]
    public void A_watched_child_reports_its_wait_status_once_reaped()
    {
        using var loop = new EventLoop();
        Assert.That(Spawner.Spawn(new SpawnRequest { Path = "/bin/sh", Arguments = ["sh", "-c", "exit 3"] }, out int pid), Is.EqualTo(0));
        int? status = null;
        loop.WatchChild(pid, s => { status = s; loop.Stop(); });

        loop.Run();

        Assert.That(status, Is.Not.Null);
        Assert.That((WaitStatus.Exited(status!.Value), WaitStatus.ExitCode(status.Value)), Is.EqualTo((true, 3)));
        Assert.That(Directory.Exists($"/proc/{pid}"), Is.False, "reaped: no zombie left");
    }

    [Test, MaxTime(10_000)]
    public void A_process_that_is_not_our_child_is_reported_with_the_unknown_status_when_it_exits()
    {
        using var temp = new TempDirectory();
        using var loop = new EventLoop();
        // A grandchild: its parent is the shell, so its exit status is the shell's to collect.
        Assert.That(Spawner.Spawn(new SpawnRequest { Path = "/bin/sh", Arguments = ["sh", "-c", $"sleep 0.3 & echo $! > {temp["pid.tmp"]}; mv {temp["pid.tmp"]} {temp["pid"]}; wait"] }, out int shell), Is.EqualTo(0));
        int? status = null;
        bool shellDone = false;
        loop.WatchChild(shell, _ => { shellDone = true; if (status is not null) loop.Stop(); });
        Assert.That(Run.Until(() => File.Exists(temp["pid"]), 5_000), Is.True);
        int grandchild = int.Parse(File.ReadAllText(temp["pid"]));
        loop.WatchChild(grandchild, s => { status = s; if (shellDone) loop.Stop(); });

        loop.Run();

        Assert.That(status, Is.EqualTo(EventLoop.UnknownStatus));
    }

    [Test, MaxTime(5_000)]
    public void A_throwing_handler_is_reported_and_the_loop_goes_on()
    {
        using var loop = new EventLoop();
        var failures = new List<string>();
        loop.HandlerFailed = e => failures.Add(e.Message);
        bool after = false;
        loop.After(0, () => throw new InvalidOperationException("handler bug"));
        loop.After(20, () => { after = true; loop.Stop(); });

        loop.Run();

        Assert.That(failures, Is.EqualTo(new[] { "handler bug" }));
        Assert.That(after, Is.True);
    }

    [Test, MaxTime(5_000)]
    public void A_stopped_loop_handles_nothing_more()
    {
        using var loop = new EventLoop();
        int calls = 0;
        loop.After(0, () => { calls++; loop.Stop(); });
        loop.After(1, () => calls++);
        Thread.Sleep(5); // both are due when the loop runs

        loop.Run();

        Assert.That(calls, Is.EqualTo(1));
    }
}
