using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Supervision;

/// <summary>
/// runsv for one service directory, as an object on an <see cref="EventLoop"/>: the service, its
/// optional logger (<c>log/</c>) joined by a pipe held for the supervisor's life, their
/// <c>supervise/</c> directories and control FIFOs. One process hosts one of these (the runsv
/// applet) or one per service (the engine); nothing here blocks the loop or changes directory.
/// </summary>
public sealed partial class ServiceSupervisor : IDisposable
{
    private const long LockRetryFirstMs = 50, LockRetryMaxMs = 1000, RetryAfterFailureMs = 1000;

    private readonly EventLoop _loop;
    private readonly Diagnostics _diag;
    private readonly Slot _main;
    private Slot? _log;
    private int _logRead = -1, _logWrite = -1;
    private bool _started, _exited, _disposed;
    private long _lockRetryMs = LockRetryFirstMs;
    private EventLoop.Timer? _lockRetry;
    /// <summary>The global restart backoff and timeout-kill (<see cref="ServicePolicy.Globals"/>), read once; each service's files override them.</summary>
    private readonly ServicePolicy _defaults;

    /// <summary>Raised once, after <c>x</c> (or SIGTERM) when the service and its logger are down.</summary>
    public Action? Finished { get; set; }

    /// <summary>
    /// Raised when setting up supervise/ fails (where runsv would die with "fatal: …"), possibly
    /// after <see cref="Start"/> returned (the logger's lock is waited for on the loop).
    /// </summary>
    public Action<SupervisorError>? Failed { get; set; }

    public string Directory { get; }
    private readonly string _siblings;
    /// <summary>The service's name among its siblings: what their dependencies.d call it.</summary>
    public string Name { get; }
    /// <summary>ARG of an instance <c>NAME@ARG</c>: ./run's <c>$1</c> and <c>INSTANCE</c>; null for any other service.</summary>
    public string? Instance { get; }
    private readonly string _superviseName;
    private readonly string? _template;
    public ServiceProcess Service => _main.Process;
    public ServiceProcess? Logger => _log?.Process;

    /// <summary>The engine's cgroups: each of this service's processes runs in its own (<see cref="ServiceCgroups"/>); null under runsv.</summary>
    public ServiceCgroups? Cgroups { get; init; }

    /// <summary>Without cgroups, under the engine (a subreaper): the service's processes are found through the process tree (<see cref="ServiceTree"/>).</summary>
    public bool FollowTree { get; init; }

    /// <summary>supervise/ is set up and the control FIFOs are read (false while waiting for the logger's lock).</summary>
    public bool Started => _started;

    /// <param name="directory">The service directory; the engine passes its real path, runsv "." after its chdir.</param>
    /// <param name="siblings">Where the services named in dependencies.d are: the scanned directory (default: beside the real directory).</param>
    /// <param name="name">The service's name as listed (runsv: its argument); <c>NAME@ARG</c> makes it an instance (<see cref="ServiceInstance"/>).</param>
    public ServiceSupervisor(string directory, EventLoop loop, Diagnostics diagnostics, string? siblings = null, string? name = null)
    {
        Directory = directory;
        string? real = Sys.RealDirectory(directory);
        _siblings = siblings ?? Path.GetDirectoryName(real ?? Path.GetFullPath(directory)) ?? "/";
        if (name is "." or ".." or "") name = null;   // `runsv .`: the directory's own name
        Name = name ?? Path.GetFileName(real ?? Path.GetFullPath(directory));
        Instance = name is null ? null : ServiceInstance.Argument(name);
        _superviseName = name is null ? "supervise" : ServiceInstance.SuperviseName(name, real);
        // A directory instance takes the run and finish it lacks from its template, beside it.
        if (Instance is not null && _superviseName == "supervise") _template = Path.Combine(_siblings, ServiceInstance.TemplateName(name!));
        _loop = loop;
        _diag = diagnostics;
        _defaults = ServicePolicy.Globals(_diag.Warn);
        _main = new Slot(this, directory, isLog: false);
        if (Sys.Stat(Path.Combine(directory, "log"), out var st) == 0)
        {
            if (st.IsDirectory) _log = new Slot(this, Path.Combine(directory, "log"), isLog: true);
            else _diag.Warn("./log: not a directory.");
        }
        else if (Sys.Errno != ENOENT) _diag.Warn("unable to stat() ./log", Sys.Errno);
    }

    /// <summary>
    /// Sets up supervise/ and starts what is wanted up, or adopts what a previous supervisor left
    /// running. Failures are reported through <see cref="Failed"/> (never thrown).
    /// </summary>
    public void Start()
    {
        try
        {
            _main.Files.Create();
            if (!_main.Files.TryLock()) throw new SupervisorError("unable to lock supervise/lock", EAGAIN);
            _log?.Files.Create();
        }
        catch (SupervisorError e) { Fail(e); return; }
        TakeLogLockThenRun();
    }

    /// <summary>runsv waits in flock for log/supervise/lock; here a timer retries, so other services go on.</summary>
    private void TakeLogLockThenRun()
    {
        _lockRetry = null;
        if (_disposed) return;
        try
        {
            if (_log is not null && !_log.Files.TryLock())
            {
                _lockRetry = _loop.After(_lockRetryMs, TakeLogLockThenRun);
                _lockRetryMs = Math.Min(_lockRetryMs * 2, LockRetryMaxMs);
                return;
            }
            Run();
        }
        catch (SupervisorError e) { Fail(e); }
    }

    private void Run()
    {
        var mainPrevious = Adoption.Find(_main.Files, Directory);
        var logPrevious = _log is null ? null : Adoption.Find(_log.Files, _log.Directory);
        if (_log is not null || UsesDefaultLog)
        {
            if (Adoption.RecoverLogPipe(mainPrevious?.Pid ?? 0, logPrevious?.Pid ?? 0) is { } pipe)
                (_logRead, _logWrite) = pipe;
            else if (Sys.Pipe(out _logRead, out _logWrite) < 0)
                throw new SupervisorError("unable to create log pipe", Sys.Errno);
        }
        StartDefaultLog();
        _main.Prepare(mainPrevious);
        _log?.Prepare(logPrevious);
        _main.Files.OpenControl();
        _main.Publish(_main.Process);
        _main.Flush();
        if (_log is not null)
        {
            _log.Files.OpenControl();
            _log.Publish(_log.Process);
            _log.Flush();
        }
        // Only now does sv see a supervisor: the status it then reads is this one.
        _main.Files.OpenOk();
        _log?.Files.OpenOk();
        Serve();
    }

    private void Serve()
    {
        _loop.Watch(_main.Files.ControlFd, () => Guarded(() => ReadControl(_main)));
        if (_log is not null) _loop.Watch(_log.Files.ControlFd, () => Guarded(() => ReadControl(_log)));
        _started = true;
        AfterEvent();
    }

    /// <summary>
    /// What a successor process needs to carry on without a gap: the descriptors of both supervise/
    /// directories (lock held, FIFOs open) and of the log pipe. Null before <see cref="Started"/>.
    /// </summary>
    public HandoverRecord? Handover() => !_started ? null : new HandoverRecord(Directory, _main.Files.Descriptors,
        _log?.Files.Descriptors ?? (-1, -1, -1), _logRead, _logWrite, (_main.Process.Want, _log?.Process.Want ?? Want.Up));

    /// <summary>
    /// Carries on from a predecessor's <see cref="Handover"/>: the same locks and FIFOs, the processes
    /// adopted from supervise/status as after a crash (they are not our children any more).
    /// </summary>
    public void Resume(HandoverRecord record)
    {
        if (_log is null != record.Log.Lock < 0) { Fail(new SupervisorError("log/ appeared or went during the hand-over")); return; }
        try
        {
            _main.Files.Inherit(record.Main);
            _log?.Files.Inherit(record.Log);
        }
        catch (SupervisorError e) { Fail(e); return; }
        (_logRead, _logWrite) = (record.PipeRead, record.PipeWrite);
        foreach (int fd in new[] { _logRead, _logWrite }) if (fd >= 0) Sys.SetCloseOnExec(fd, true);
        StartDefaultLog();
        try
        {
            _main.Carry(Adoption.Find(_main.Files, Directory));
            _log?.Carry(Adoption.Find(_log.Files, _log.Directory));
        }
        catch (SupervisorError e) { Fail(e); return; }
        _main.Process.Resume(record.Wants.Main);
        _log?.Process.Resume(record.Wants.Log);
        // What the predecessor last wrote may name a process that died during the hand-over.
        _main.Publish(_main.Process);
        _log?.Publish(_log.Process);
        Serve();
    }

    private void Fail(SupervisorError e)
    {
        if (Failed is null) throw e;
        Failed(e);
    }

    /// <summary>
    /// A <c>log/</c> made while the service runs: its logger is supervised from now on, without
    /// restarting the service. A running process's stdout cannot be changed from outside, so the
    /// service's output reaches the logger from its next start (sv restart). The engine calls this
    /// at each scan, runsv every 5 s; a logger whose lock another supervisor holds is tried again then.
    /// </summary>
    public void NoticeLogger()
    {
        if (_log is not null || !_started || _disposed || _exited) return;
        if (Sys.Stat(Path.Combine(Directory, "log"), out var st) < 0 || !st.IsDirectory) return;
        Guarded(() =>
        {
            HandDefaultLogOver();
            var log = new Slot(this, Path.Combine(Directory, "log"), isLog: true);
            try
            {
                log.Files.Create();
                if (!log.Files.TryLock()) { log.Dispose(_loop); return; }
            }
            catch (SupervisorError e)
            {
                _diag.Warn(e.Message, e.Errno);
                log.Dispose(_loop);
                return;
            }
            if (Sys.Pipe(out int read, out int write) < 0)
            {
                _diag.Warn("unable to create log pipe", Sys.Errno);
                log.Dispose(_loop);
                return;
            }
            (_log, _logRead, _logWrite) = (log, read, write);
            log.Prepare(Adoption.Find(log.Files, log.Directory));
            log.Files.OpenControl();
            log.Publish(log.Process);
            log.Flush();
            log.Files.OpenOk();
            _loop.Watch(log.Files.ControlFd, () => Guarded(() => ReadControl(log)));
            _diag.Info("log/ appeared: its logger starts now, the service's output goes to it from the service's next start");
            AfterEvent();
        });
    }

    /// <summary>SIGTERM to runsv means the same as the control byte <c>x</c>.</summary>
    public void Exit() => Control('x');

    /// <summary>Raised after the service's status was written (a start, a readiness, a stop): the engine lets the services waiting for it look again.</summary>
    public Action? Published { get; set; }

    /// <summary>A service waiting for its dependencies looks again now, rather than at its next poll.</summary>
    public void RecheckDependencies()
    {
        if (_started && !_disposed && _main.WaitingForDependencies) Guarded(AfterEvent);
    }

    /// <summary>Every service is being stopped at once (the engine's <see cref="SupervisionEngine.StopAll"/>, SIGTERM to runsv): none sends its dependants a 'd' of its own.</summary>
    public bool StoppingAll { get; set; }

    /// <summary>Sends one control byte as if it came through the FIFO (for in-process hosts).</summary>
    public void Control(char command, bool toLogger = false)
    {
        var slot = toLogger ? _log : _main;
        if (slot is null || !_started) return;
        Guarded(() =>
        {
            slot.Process.Control(command);
            AfterEvent();
        });
    }

    private void ReadControl(Slot slot)
    {
        Span<byte> buffer = stackalloc byte[64];
        int n = slot.Files.ReadControl(buffer);
        for (int i = 0; i < n; i++)
        {
            slot.Process.Control((char)buffer[i]);
            AfterEvent();
        }
    }

    /// <summary>
    /// Every entry from the loop into this supervisor: a failure (a bug, an unexpected errno turned
    /// exception) is this service's alone. It is reported under the service's name and the service
    /// is looked at again a second later; the loop and every other service go on.
    /// </summary>
    private void Guarded(Action action)
    {
        if (_disposed) return;
        try { action(); }
        catch (Exception e)
        {
            _diag.Warn($"internal error: {e.GetType().Name}: {e.Message}: retrying in 1s");
            _loop.After(RetryAfterFailureMs, () => Guarded(AfterEvent));
        }
    }

    /// <summary>
    /// After every event: runsv's loop tail, then supervise/ written once for all the changes the
    /// event made (runsv rewrites the files at each step; a reader could only ever have seen the last).
    /// </summary>
    private void AfterEvent()
    {
        if (_disposed || !_started) return;
        bool finished = Settle();
        _main.ReconcileHealth();
        _main.ReleaseSocketsWhenDown();
        _log?.ReleaseSocketsWhenDown();
        _main.Flush();
        _log?.Flush();
        if (finished) Finished?.Invoke();
    }

    /// <summary>runsv's loop tail: start what is wanted; true once, when told to exit and everything is down.</summary>
    private bool Settle()
    {
        _log?.Process.Reconcile();
        _main.Process.Reconcile();
        if (_exited || _main.Process.Want != Want.Exit || _main.Process.State != RunState.Down || _main.Process.Pid != 0) return false;
        if (_log is null || _log.Process.Pid == 0)
        {
            _exited = true;
            return true;
        }
        if (_log.Process.Want != Want.Exit)
        {
            // The service is gone for good: close the pipe so the logger reads EOF and ends.
            _log.Process.Retire();
            CloseLogPipe();
        }
        return false;
    }

    private void CloseLogPipe()
    {
        if (_logRead >= 0) Sys.Close(_logRead);
        if (_logWrite >= 0) Sys.Close(_logWrite);
        _logRead = _logWrite = -1;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _lockRetry?.Cancel();
        StopDefaultLog();
        _main.Dispose(_loop);
        _log?.Dispose(_loop);
        CloseLogPipe();
    }
}
