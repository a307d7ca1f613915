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
public sealed class ServiceSupervisor : IDisposable
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

    /// <summary>Raised once, after <c>x</c> (or SIGTERM) when the service and its logger are down.</summary>
    public Action? Finished { get; set; }

    /// <summary>
    /// Raised when setting up supervise/ fails (where runsv would die with "fatal: …"), possibly
    /// after <see cref="Start"/> returned (the logger's lock is waited for on the loop).
    /// </summary>
    public Action<SupervisorError>? Failed { get; set; }

    public string Directory { get; }
    public ServiceProcess Service => _main.Process;
    public ServiceProcess? Logger => _log?.Process;

    /// <summary>Processes taken over from a previous supervisor at start (0, 1 or 2).</summary>
    public int Adopted { get; private set; }

    /// <summary>supervise/ is set up and the control FIFOs are read (false while waiting for the logger's lock).</summary>
    public bool Started => _started;

    /// <param name="directory">The service directory; the engine passes its real path, runsv "." after its chdir.</param>
    public ServiceSupervisor(string directory, EventLoop loop, Diagnostics diagnostics)
    {
        Directory = directory;
        _loop = loop;
        _diag = diagnostics;
        _main = new Slot(this, directory, "supervise", isLog: false);
        if (Sys.Stat(Path.Combine(directory, "log"), out var st) == 0)
        {
            if (st.IsDirectory) _log = new Slot(this, Path.Combine(directory, "log"), "log/supervise", isLog: true);
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
        _main.Files.Inherit(record.Main);
        _log?.Files.Inherit(record.Log);
        (_logRead, _logWrite) = (record.PipeRead, record.PipeWrite);
        foreach (int fd in new[] { _logRead, _logWrite }) if (fd >= 0) Sys.SetCloseOnExec(fd, true);
        _main.Prepare(Adoption.Find(_main.Files, Directory));
        _log?.Prepare(_log is null ? null : Adoption.Find(_log.Files, _log.Directory));
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

    /// <summary>One supervised process with its directory, files and effects.</summary>
    private sealed class Slot : IServiceActions
    {
        private readonly ServiceSupervisor _owner;
        private readonly bool _isLog;
        private EventLoop.Timer? _wake;

        public Slot(ServiceSupervisor owner, string directory, string label, bool isLog)
        {
            _owner = owner;
            _isLog = isLog;
            Directory = directory;
            Files = new SuperviseDirectory(directory, label);
            Process = new ServiceProcess(isLog, this);
        }

        public string Directory { get; }
        public SuperviseDirectory Files { get; }
        public ServiceProcess Process { get; }
        public long Now => _owner._loop.Now;

        public bool HasFinish => Sys.Stat(Path.Combine(Directory, "finish"), out _) == 0;

        /// <summary>Resumes the previous supervisor's process when there is one, else reads <c>down</c> as runsv does at start.</summary>
        public void Prepare(StatusRecord? previous)
        {
            if (previous is { } adopted)
            {
                Process.Adopt(adopted);
                _owner._loop.WatchChild(adopted.Pid, status => OnExit(adopted.Pid, status));
                _owner.Adopted++;
                _owner._diag.Info($"{(_isLog ? "log: " : "")}adopted pid {adopted.Pid}, running since the previous supervisor");
            }
            else if (Sys.Stat(Path.Combine(Directory, "down"), out _) == 0) Process.StartDown();
        }

        public int Spawn(ServiceProcess process, bool finish)
        {
            string[] argv = finish ? FinishArguments(process.LastStatus) : ["./run"];
            var request = new SpawnRequest
            {
                Path = argv[0],
                Arguments = argv,
                WorkingDirectory = Directory,
                Stdin = _isLog ? _owner._logRead : SpawnRequest.Inherit,
                Stdout = !_isLog && _owner._logWrite >= 0 ? _owner._logWrite : SpawnRequest.Inherit,
            };
            int rc = Spawner.Spawn(request, out int pid);
            if (rc != 0)
            {
                _owner._diag.Fatal($"unable to start {(_isLog ? "log/" : "")}{argv[0]}", rc);
                return 0;
            }
            _owner._loop.WatchChild(pid, status => OnExit(pid, status));
            return pid;
        }

        /// <summary>
        /// runit's ./finish arguments: exit code (or -1 when signalled) and the low status byte.
        /// An adopted process that was not our child exits unseen: "-1 -1", a status no real exit has.
        /// </summary>
        public static string[] FinishArguments(int waitStatus)
        {
            if (waitStatus == ServiceProcess.UnknownStatus) return ["./finish", "-1", "-1"];
            string code = WaitStatus.Signaled(waitStatus) ? "-1" : WaitStatus.ExitCode(waitStatus).ToString();
            return ["./finish", code, (waitStatus & 0xff).ToString()];
        }

        private void OnExit(int pid, int status) => _owner.Guarded(() =>
        {
            if (Process.Pid != pid) return;
            Process.Exited(status);
            _owner.AfterEvent();
        });

        public bool StartOverride(char command)
        {
            string script = Path.Combine(Directory, "control", command.ToString());
            if (Sys.Stat(script, out var st) < 0)
            {
                if (Sys.Errno != ENOENT) _owner._diag.Warn($"unable to stat control/{command}", Sys.Errno);
                return false;
            }
            if (!st.IsOwnerExecutable) return false;
            var request = new SpawnRequest
            {
                Path = "control/" + command,
                Arguments = ["control/" + command],
                WorkingDirectory = Directory,
                Stdout = _owner._logWrite >= 0 ? _owner._logWrite : SpawnRequest.Inherit,
            };
            int rc = Spawner.Spawn(request, out int pid);
            if (rc != 0) { _owner._diag.Warn($"unable to run control/{command}", rc); return false; }
            // Its result decides whether runsv sends its own signal: the process waits for this exit.
            _owner._loop.WatchChild(pid, status => _owner.Guarded(() =>
            {
                Process.OverrideFinished(status != ServiceProcess.UnknownStatus && WaitStatus.Succeeded(status));
                _owner.AfterEvent();
            }));
            return true;
        }

        public void Signal(int pid, int signo) => Sys.Kill(pid, signo);

        private bool _dirty;

        /// <summary>Marks the files stale; <see cref="Flush"/> writes them once the event is handled.</summary>
        public void Publish(ServiceProcess process) => _dirty = true;

        public void Flush()
        {
            if (!_dirty) return;
            _dirty = false;
            Files.Publish(Process.Status, Process.Want == Want.Exit, (message, errno) => _owner._diag.Warn(message, errno));
        }

        public void WakeAt(long monotonicMs)
        {
            _wake?.Cancel();
            _wake = _owner._loop.After(monotonicMs - Now, () => { _wake = null; _owner.Guarded(_owner.AfterEvent); });
        }

        public void Dispose(EventLoop loop)
        {
            _wake?.Cancel();
            if (Files.ControlFd >= 0) loop.Unwatch(Files.ControlFd);
            Files.Dispose();
        }
    }
}
