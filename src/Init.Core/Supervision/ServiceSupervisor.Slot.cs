using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Supervision;

public sealed partial class ServiceSupervisor
{
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
                _owner._diag.Info($"{(_isLog ? "log: " : "")}adopted pid {adopted.Pid}, running since the previous supervisor");
            }
            else if (Sys.Stat(Path.Combine(Directory, "down"), out _) == 0) Process.StartDown();
        }

        /// <summary>
        /// After a hand-over: as <see cref="Prepare"/>, except that a process the predecessor still
        /// published but that died during the hand-over is taken as exited, status unknown (so
        /// ./finish still runs, with "-1 -1"), instead of being forgotten.
        /// </summary>
        public void Carry(StatusRecord? adoptable)
        {
            Prepare(adoptable);
            if (adoptable is null && Files.ReadPrevious() is { Status: { Pid: > 0, State: not RunState.Down } gone })
            {
                Process.Adopt(gone);
                Process.Exited(ServiceProcess.UnknownStatus);
            }
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
        private bool _publishFailing;          // warned once; the retries stay quiet until a write succeeds
        private EventLoop.Timer? _publishRetry;

        /// <summary>Marks the files stale; <see cref="Flush"/> writes them once the event is handled.</summary>
        public void Publish(ServiceProcess process) => _dirty = true;

        /// <summary>
        /// Writes the files if stale. A failed write (out of descriptors, a full disk) is retried on a
        /// timer, not only at the next state change, or sv would show a stale state meanwhile.
        /// </summary>
        public void Flush()
        {
            if (!_dirty) return;
            _dirty = false;
            if (Files.Publish(Process.Status, Process.Want == Want.Exit, WarnOnce))
            {
                _publishFailing = false;
                return;
            }
            _publishFailing = _dirty = true;
            _publishRetry ??= _owner._loop.After(RetryAfterFailureMs, () => { _publishRetry = null; _owner.Guarded(Flush); });
        }

        private void WarnOnce(string message, int errno)
        {
            if (!_publishFailing) _owner._diag.Warn(message, errno);
        }

        public void WakeAt(long monotonicMs)
        {
            _wake?.Cancel();
            _wake = _owner._loop.After(monotonicMs - Now, () => { _wake = null; _owner.Guarded(_owner.AfterEvent); });
        }

        public void Dispose(EventLoop loop)
        {
            _wake?.Cancel();
            _publishRetry?.Cancel();
            if (Files.ControlFd >= 0) loop.Unwatch(Files.ControlFd);
            Files.Dispose();
        }
    }
}
