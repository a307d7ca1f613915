using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Supervision;

/// <summary>
/// runsv for one service directory, as an object on an <see cref="EventLoop"/>: the service, its
/// optional logger (<c>log/</c>) joined by a pipe held for the supervisor's life, their
/// <c>supervise/</c> directories and control FIFOs. One process can host one of these or many.
/// </summary>
public sealed class ServiceSupervisor : IDisposable
{
    private readonly EventLoop _loop;
    private readonly Diagnostics _diag;
    private readonly Slot _main;
    private readonly Slot? _log;
    private int _logRead = -1, _logWrite = -1;
    private bool _exited;

    /// <summary>Raised once, after <c>x</c> (or SIGTERM) when the service and its logger are down.</summary>
    public Action? Finished { get; set; }

    public string Directory { get; }
    public ServiceProcess Service => _main.Process;
    public ServiceProcess? Logger => _log?.Process;

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

    /// <summary>Sets up supervise/ (throws <see cref="SupervisorError"/> as runsv would die) and starts what is wanted up.</summary>
    public void Start()
    {
        if (Sys.Stat(Path.Combine(Directory, "down"), out _) == 0) _main.Process.StartDown();
        if (_log is not null)
        {
            if (Sys.Stat(Path.Combine(_log.Directory, "down"), out _) == 0) _log.Process.StartDown();
            if (Sys.Pipe(out _logRead, out _logWrite) < 0) throw new SupervisorError("unable to create log pipe", Sys.Errno);
        }
        _main.Files.Create(waitForLock: false);
        _log?.Files.Create(waitForLock: true);
        _main.Files.OpenControl();
        _main.Publish(_main.Process);
        if (_log is not null)
        {
            _log.Files.OpenControl();
            _log.Publish(_log.Process);
        }
        _main.Files.OpenOk();
        _log?.Files.OpenOk();

        _loop.Watch(_main.Files.ControlFd, () => ReadControl(_main));
        if (_log is not null) _loop.Watch(_log.Files.ControlFd, () => ReadControl(_log));
        AfterEvent();
    }

    /// <summary>SIGTERM to runsv means the same as the control byte <c>x</c>.</summary>
    public void Exit()
    {
        _main.Process.Control('x');
        AfterEvent();
    }

    /// <summary>Sends one control byte as if it came through the FIFO (for in-process hosts).</summary>
    public void Control(char command, bool toLogger = false)
    {
        var slot = toLogger ? _log : _main;
        if (slot is null) return;
        slot.Process.Control(command);
        AfterEvent();
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

    /// <summary>runsv's loop tail: start what is wanted, and leave once told to exit and everything is down.</summary>
    private void AfterEvent()
    {
        _log?.Process.Reconcile();
        _main.Process.Reconcile();
        if (_exited || _main.Process.Want != Want.Exit || _main.Process.State != RunState.Down || _main.Process.Pid != 0) return;
        if (_log is null || _log.Process.Pid == 0)
        {
            _exited = true;
            Finished?.Invoke();
            return;
        }
        if (_log.Process.Want != Want.Exit)
        {
            // The service is gone for good: close the pipe so the logger reads EOF and ends.
            _log.Process.Retire();
            CloseLogPipe();
        }
    }

    private void CloseLogPipe()
    {
        if (_logRead >= 0) Sys.Close(_logRead);
        if (_logWrite >= 0) Sys.Close(_logWrite);
        _logRead = _logWrite = -1;
    }

    public void Dispose()
    {
        _loop.Unwatch(_main.Files.ControlFd);
        if (_log is not null) _loop.Unwatch(_log.Files.ControlFd);
        _main.Files.Dispose();
        _log?.Files.Dispose();
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

        /// <summary>runit's ./finish arguments: exit code (or -1 when signalled) and the low status byte.</summary>
        public static string[] FinishArguments(int waitStatus)
        {
            string code = WaitStatus.Signaled(waitStatus) ? "-1" : WaitStatus.ExitCode(waitStatus).ToString();
            return ["./finish", code, (waitStatus & 0xff).ToString()];
        }

        private void OnExit(int pid, int status)
        {
            if (Process.Pid != pid) return;
            Process.Exited(status);
            _owner.AfterEvent();
        }

        public bool RunOverride(char command)
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
            // Synchronous, as runsv: the override decides whether runsv sends its own signal.
            if (Sys.WaitPid(pid, out int status, 0) != pid)
            {
                _owner._diag.Warn($"unable to wait for child control/{command}", Sys.Errno);
                return false;
            }
            return WaitStatus.Succeeded(status);
        }

        public void Signal(int pid, int signo) => Sys.Kill(pid, signo);

        public void Publish(ServiceProcess process) =>
            Files.Publish(process.Status, process.Want == Want.Exit, (message, errno) => _owner._diag.Warn(message, errno));

        public void WakeAt(long monotonicMs)
        {
            _wake?.Cancel();
            _wake = _owner._loop.After(monotonicMs - Now, () => { _wake = null; _owner.AfterEvent(); });
        }
    }
}
