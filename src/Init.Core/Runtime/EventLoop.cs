using System.Runtime.InteropServices;
using Init.Interop;
using Tmds.Linux;
using static Init.Interop.Consts;

namespace Init.Runtime;

/// <summary>
/// The one event loop of a process: one thread, epoll over descriptors, timers, signals turned
/// into bytes on a self-pipe by PosixSignalRegistration handlers, and child exits learnt through
/// pidfds plus (for reapers) a periodic waitpid(-1, WNOHANG) sweep. SIGCHLD is never registered:
/// the runtime would then reap our children itself and the statuses would be lost.
/// </summary>
public sealed unsafe class EventLoop : IDisposable
{
    private readonly int _epoll;
    private readonly int _signalRead, _signalWrite;
    private readonly Dictionary<int, Action> _readers = [];
    private readonly Dictionary<int, Action<int>> _signalHandlers = [];
    private readonly List<PosixSignalRegistration> _registrations = [];
    private readonly Dictionary<int, ChildWatch> _children = [];   // by pid
    private readonly Dictionary<int, int> _pidfds = [];             // pidfd → pid
    private readonly PriorityQueue<Timer, long> _timers = new();
    private Timer? _sweep;
    private long _sweepIntervalMs;
    private bool _stopped;

    /// <summary>Called with (pid, wait status) for every child reaped that nobody watched (orphans at PID 1).</summary>
    public Action<int, int>? OrphanReaped { get; set; }

    /// <summary>Called when a handler throws; the loop goes on (PID 1 must never die of a bug in a handler).</summary>
    public Action<Exception>? HandlerFailed { get; set; }

    public EventLoop()
    {
        _handle = Handle;
        _epoll = Sys.EpollCreate();
        if (_epoll < 0) throw new InvalidOperationException("epoll_create1: " + ErrorText.Of(Sys.Errno));
        if (Sys.Pipe(out _signalRead, out _signalWrite, nonBlocking: true) < 0)
            throw new InvalidOperationException("pipe: " + ErrorText.Of(Sys.Errno));
        AddToEpoll(_signalRead);
    }

    /// <summary>
    /// A loop with <paramref name="signals"/> routed to it (their handlers are set later with
    /// <see cref="OnSignal"/>), or null after a fatal message when the process has too few descriptors
    /// for it: the loop needs three, and the runtime's signal handling two more on the first
    /// registration, which fails inside a type initialiser with no errno to tell why.
    /// </summary>
    public static EventLoop? Open(Diagnostics diag, params int[] signals)
    {
        EventLoop? loop = null;
        try
        {
            // The runtime keeps /dev/urandom open from the first string hash on: taken now, it cannot
            // take the last free descriptor later, when a supervisor needs it to write its status.
            _ = "init".GetHashCode();
            loop = new EventLoop();
            foreach (int signo in signals) loop.OnSignal(signo, _ => { });
            return loop;
        }
        catch (Exception) when (FdLimit.Exhausted())
        {
            diag.Fatal("unable to set up the event loop and signal handling", EMFILE);
            loop?.Dispose();
            return null;
        }
    }

    public long Now => Sys.MonotonicMs();

    // ---- descriptors -------------------------------------------------------------------

    /// <summary>Calls <paramref name="onReadable"/> whenever <paramref name="fd"/> is readable (level-triggered).</summary>
    public void Watch(int fd, Action onReadable)
    {
        _readers[fd] = onReadable;
        AddToEpoll(fd);
    }

    public void Unwatch(int fd)
    {
        // Its failure is no news: a descriptor closed before it was unwatched has left the set already.
        if (_readers.Remove(fd)) Sys.EpollRemove(_epoll, fd);
    }

    /// <summary>A descriptor epoll refuses (ENOSPC: max_user_watches; ENOMEM) would never be handled: say so.</summary>
    private void AddToEpoll(int fd)
    {
        if (Sys.EpollWatchReadable(_epoll, fd) < 0)
            HandlerFailed?.Invoke(new InvalidOperationException($"epoll_ctl: unable to watch fd {fd}: {ErrorText.Of(Sys.Errno)}"));
    }

    // ---- timers ------------------------------------------------------------------------

    public sealed class Timer(long due, Action callback)
    {
        internal long Due = due;
        internal readonly Action Callback = callback;
        public bool Cancelled { get; private set; }
        public void Cancel() => Cancelled = true;
    }

    public Timer After(long milliseconds, Action callback)
    {
        var timer = new Timer(Now + Math.Max(0, milliseconds), callback);
        _timers.Enqueue(timer, timer.Due);
        return timer;
    }

    // ---- signals -----------------------------------------------------------------------

    /// <summary>Runs <paramref name="handler"/> on the loop thread for each delivery of <paramref name="signo"/> (never SIGCHLD).</summary>
    public void OnSignal(int signo, Action<int> handler)
    {
        if (signo == SIGCHLD) throw new ArgumentException("SIGCHLD must not be registered: the runtime would reap our children");
        if (!_signalHandlers.ContainsKey(signo))
        {
            int pipe = _signalWrite;
            _registrations.Add(PosixSignalRegistration.Create(ToPosixSignal(signo), context =>
            {
                context.Cancel = true;
                byte b = (byte)signo;
                Sys.Write(pipe, new ReadOnlySpan<byte>(&b, 1));
            }));
        }
        _signalHandlers[signo] = handler;
    }

    /// <summary>Named signals must be passed as the runtime's enum values; others go through raw.</summary>
    private static PosixSignal ToPosixSignal(int signo) => signo switch
    {
        SIGHUP => PosixSignal.SIGHUP,
        SIGINT => PosixSignal.SIGINT,
        SIGQUIT => PosixSignal.SIGQUIT,
        SIGTERM => PosixSignal.SIGTERM,
        SIGCONT => PosixSignal.SIGCONT,
        SIGWINCH => PosixSignal.SIGWINCH,
        SIGTTIN => PosixSignal.SIGTTIN,
        SIGTTOU => PosixSignal.SIGTTOU,
        SIGTSTP => PosixSignal.SIGTSTP,
        _ => (PosixSignal)signo,
    };

    // ---- children ----------------------------------------------------------------------

    private sealed class ChildWatch(int pidfd, Action<int> onExit)
    {
        public readonly int Pidfd = pidfd;
        public readonly Action<int> OnExit = onExit;
    }

    /// <summary>Wait status reported for a process that was not our child: it exited, but how is unknown.</summary>
    public const int UnknownStatus = -1;

    /// <summary>
    /// Calls <paramref name="onExit"/> with the wait status once <paramref name="pid"/> has exited and
    /// is reaped. Works for any process (a pidfd needs no parenthood): one that is not our child, e.g.
    /// a service adopted from a supervisor that died, is reported with <see cref="UnknownStatus"/>.
    /// </summary>
    public void WatchChild(int pid, Action<int> onExit)
    {
        int pidfd = Sys.PidfdOpen(pid);
        if (pidfd < 0 && Sys.Errno == ESRCH)
        {
            // Gone (and reaped) already: report it from the loop, never from inside the caller.
            After(0, () => onExit(UnknownStatus));
            return;
        }
        _children[pid] = new ChildWatch(pidfd, onExit);
        if (pidfd >= 0)
        {
            _pidfds[pidfd] = pid;
            AddToEpoll(pidfd);
        }
        else
        {
            // No pidfd (old kernel): fall back to polling this child.
            EnableSweep(Math.Min(_sweepIntervalMs == 0 ? 100 : _sweepIntervalMs, 100));
        }
    }

    /// <summary>
    /// Reaps any child every <paramref name="intervalMs"/> (and whenever a watched child exits):
    /// what PID 1, a subreaper and a runsvdir need for orphans, which have no pidfd.
    /// </summary>
    public void EnableSweep(long intervalMs)
    {
        if (_sweep is not null && _sweepIntervalMs <= intervalMs) return;
        RescheduleSweep(intervalMs);
    }

    /// <summary>
    /// Sets the interval of an enabled sweep, longer too: for a loop that learns of every exit another
    /// way (SIGCHLD from a signalfd), where the sweep is left as a safety net only.
    /// </summary>
    public void ChangeSweepInterval(long intervalMs)
    {
        if (_sweep is null || _sweepIntervalMs == intervalMs) return;
        RescheduleSweep(intervalMs);
    }

    private void RescheduleSweep(long intervalMs)
    {
        _sweep?.Cancel();
        _sweepIntervalMs = intervalMs;
        ScheduleSweep();
    }

    private void ScheduleSweep() => _sweep = After(_sweepIntervalMs, () => { Sweep(); ScheduleSweep(); });

    /// <summary>waitpid(-1, WNOHANG) until nothing is left to reap; dispatches every status.</summary>
    public void Sweep()
    {
        while (true)
        {
            int pid = Sys.WaitPid(-1, out int status, WNOHANG);
            if (pid <= 0) return;
            Dispatch(pid, status);
        }
    }

    private void OnPidfdReadable(int pidfd, int pid)
    {
        int r = Sys.WaitPid(pid, out int status, WNOHANG);
        if (r == pid) Dispatch(pid, status);
        else if (r < 0 && Sys.Errno == ECHILD) Dispatch(pid, UnknownStatus); // not ours to reap: it exited, status unknown
        if (_sweep is not null) Sweep();
    }

    private void Dispatch(int pid, int status)
    {
        if (_children.TryGetValue(pid, out var watch))
        {
            Forget(pid);
            watch.OnExit(status);
        }
        else
        {
            OrphanReaped?.Invoke(pid, status);
        }
    }

    private void Forget(int pid)
    {
        if (!_children.Remove(pid, out var watch)) return;
        if (watch.Pidfd >= 0)
        {
            _pidfds.Remove(watch.Pidfd);
            Sys.EpollRemove(_epoll, watch.Pidfd);
            Sys.Close(watch.Pidfd);
        }
    }

    // ---- running -----------------------------------------------------------------------

    public void Stop() => _stopped = true;

    public bool Stopped => _stopped;

    /// <summary>Runs until <see cref="Stop"/>.</summary>
    public void Run()
    {
        _stopped = false;
        while (!_stopped) RunOnce();
    }

    /// <summary>Waits for one batch of events (at most <paramref name="maxWaitMs"/>, -1 = until a timer) and handles it.</summary>
    public void RunOnce(int maxWaitMs = -1)
    {
        const int Max = 32;
        epoll_event* events = stackalloc epoll_event[Max];
        int timeout = NextTimeout();
        if (maxWaitMs >= 0 && (timeout < 0 || timeout > maxWaitMs)) timeout = maxWaitMs;
        int n = Sys.EpollWait(_epoll, events, Max, timeout);
        if (n < 0)
        {
            if (Sys.Errno != EINTR) HandlerFailed?.Invoke(new InvalidOperationException("epoll_wait: " + ErrorText.Of(Sys.Errno)));
            n = 0;
        }
        // Once stopped, nothing more is handled, not even the rest of this batch: an engine that has
        // handed its services over must not act on them any more.
        for (int i = 0; i < n && !_stopped; i++)
        {
            Guard(_handle, events[i].data.fd);
        }
        if (!_stopped) RunDueTimers();
    }

    private readonly Action<int> _handle;

    private void Handle(int fd)
    {
        if (fd == _signalRead) { DrainSignals(); return; }
        if (_pidfds.TryGetValue(fd, out int pid)) { OnPidfdReadable(fd, pid); return; }
        if (_readers.TryGetValue(fd, out var reader)) reader();
    }

    private void DrainSignals()
    {
        Span<byte> buffer = stackalloc byte[64];
        while (true)
        {
            int n = Sys.Read(_signalRead, buffer);
            if (n <= 0) return;
            foreach (byte signo in buffer[..n])
                if (!_stopped && _signalHandlers.TryGetValue(signo, out var handler)) Guard(handler, signo);
        }
    }

    private int NextTimeout()
    {
        while (_timers.TryPeek(out var timer, out _) && timer.Cancelled) _timers.Dequeue();
        if (!_timers.TryPeek(out var next, out long due)) return -1;
        long wait = due - Now;
        return wait <= 0 ? 0 : (int)Math.Min(wait, int.MaxValue);
    }

    private void RunDueTimers()
    {
        long now = Now;
        while (!_stopped && _timers.TryPeek(out var timer, out long due) && due <= now)
        {
            _timers.Dequeue();
            if (!timer.Cancelled) { timer.Cancel(); Guard(timer.Callback); }
        }
    }

    private void Guard(Action action)
    {
        try { action(); }
        catch (Exception e) when (HandlerFailed is not null) { HandlerFailed(e); }
    }

    // With its argument passed, not captured: no closure per event on the loop's hot path.
    private void Guard(Action<int> action, int argument)
    {
        try { action(argument); }
        catch (Exception e) when (HandlerFailed is not null) { HandlerFailed(e); }
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _registrations.Clear();
        Sys.Close(_signalRead);
        Sys.Close(_signalWrite);
        Sys.Close(_epoll);
    }
}
