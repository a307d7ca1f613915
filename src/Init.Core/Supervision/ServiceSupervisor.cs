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
    private readonly Slot? _log;
    private int _logRead = -1, _logWrite = -1;
    private bool _started, _exited, _disposed;
    private long _lockRetryMs = LockRetryFirstMs;
    private EventLoop.Timer? _lockRetry;
    /// <summary>The global restart backoff (<see cref="ServicePolicy.BackoffVariable"/>), read once; each service's file overrides it.</summary>
    private readonly Backoff? _backoff;

    /// <summary>Raised once, after <c>x</c> (or SIGTERM) when the service and its logger are down.</summary>
    public Action? Finished { get; set; }

    /// <summary>
    /// Raised when setting up supervise/ fails (where runsv would die with "fatal: …"), possibly
    /// after <see cref="Start"/> returned (the logger's lock is waited for on the loop).
    /// </summary>
    public Action<SupervisorError>? Failed { get; set; }

    public string Directory { get; }
    private readonly string _siblings;
    public ServiceProcess Service => _main.Process;
    public ServiceProcess? Logger => _log?.Process;

    /// <summary>supervise/ is set up and the control FIFOs are read (false while waiting for the logger's lock).</summary>
    public bool Started => _started;

    /// <param name="directory">The service directory; the engine passes its real path, runsv "." after its chdir.</param>
    /// <param name="siblings">Where the services named in dependencies.d are: the scanned directory (default: beside the real directory).</param>
    public ServiceSupervisor(string directory, EventLoop loop, Diagnostics diagnostics, string? siblings = null)
    {
        Directory = directory;
        _siblings = siblings ?? Path.GetDirectoryName(Sys.RealDirectory(directory) ?? Path.GetFullPath(directory)) ?? "/";
        _loop = loop;
        _diag = diagnostics;
        string? setting = Environment.GetEnvironmentVariable(ServicePolicy.BackoffVariable);
        if (!ServicePolicy.TryParseBackoffSetting(setting, out _backoff))
            _diag.Warn($"{ServicePolicy.BackoffVariable}: not off or MIN MAX RESET in milliseconds: \"{setting}\": ignored");
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
        if (_log is not null)
        {
            if (Adoption.RecoverLogPipe(mainPrevious?.Pid ?? 0, logPrevious?.Pid ?? 0) is { } pipe)
                (_logRead, _logWrite) = pipe;
            else if (Sys.Pipe(out _logRead, out _logWrite) < 0)
                throw new SupervisorError("unable to create log pipe", Sys.Errno);
        }
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
        _main.Carry(Adoption.Find(_main.Files, Directory));
        _log?.Carry(Adoption.Find(_log.Files, _log.Directory));
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

    /// <summary>SIGTERM to runsv means the same as the control byte <c>x</c>.</summary>
    public void Exit() => Control('x');

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
        _main.Dispose(_loop);
        _log?.Dispose(_loop);
        CloseLogPipe();
    }
}
