using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Supervision;

public sealed partial class ServiceSupervisor
{
    /// <summary>One supervised process with its directory, files and effects.</summary>
    private sealed partial class Slot : IServiceActions
    {
        private readonly ServiceSupervisor _owner;
        private readonly bool _isLog;
        private EventLoop.Timer? _wake;

        public Slot(ServiceSupervisor owner, string directory, bool isLog)
        {
            _owner = owner;
            _isLog = isLog;
            Directory = directory;
            Files = new SuperviseDirectory(owner.Directory, isLog, owner._superviseName);
            Process = new ServiceProcess(isLog, this);
        }

        public string Directory { get; }
        public SuperviseDirectory Files { get; }
        public ServiceProcess Process { get; }
        public long Now => _owner._loop.Now;

        /// <summary>Read when the supervisor starts and at each start of ./run (s6 reads its files as it needs them).</summary>
        public ServicePolicy Policy { get; private set; } = ServicePolicy.Runit;

        private string _policyWarnings = "";

        /// <summary>Reads the files again; their warnings are written when they differ from the last read's (no line per restart of a crash loop).</summary>
        private void ReadPolicy()
        {
            var warnings = new List<string>();
            Policy = ServicePolicy.Read(Directory, warnings.Add, _owner._defaults);
            string joined = string.Join("\n", warnings);
            if (joined == _policyWarnings) return;
            _policyWarnings = joined;
            foreach (var message in warnings) _owner._diag.Warn((_isLog ? "log/" : "") + message);
        }

        /// <summary>./finish exists (a directory instance's may be its template's); for a oneshot, its <c>down</c>.</summary>
        public bool HasFinish
        {
            get
            {
                string name = Policy.Oneshot ? OneshotDown : "finish";
                return Sys.Stat(Path.Combine(Directory, name), out _) == 0
                    || (!_isLog && _owner._template is { } template && Sys.Stat(Path.Combine(template, name), out _) == 0);
            }
        }

        /// <summary>Resumes the previous supervisor's process when there is one, else reads <c>down</c> as runsv does at start.</summary>
        public void Prepare(StatusRecord? previous)
        {
            ReadPolicy();
            EnsureCgroup();
            if (previous is { } adopted)
            {
                Process.Adopt(adopted, AdoptedReadiness(adopted.Pid));
                _owner._loop.WatchChild(adopted.Pid, status => OnExit(adopted.Pid, status));
                _owner._diag.Info($"{(_isLog ? "log: " : "")}adopted pid {adopted.Pid}, running since the previous supervisor");
            }
            else if (Policy.Oneshot && Files.ReadPrevious() is { Status: { State: RunState.Run, Pid: 0 } up })
            {
                // A oneshot has no process to find: what the previous supervisor published is all there is.
                Process.Adopt(up, Readiness.Ready);
                _declares = true;
            }
            // A oneshot's down is its stop script (s6-rc's name), not runit's "normally down" mark.
            else if (!Policy.Oneshot && Sys.Stat(Path.Combine(Directory, "down"), out _) == 0) Process.StartDown();
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
            if (!finish)
            {
                // Out of descriptors, the files cannot be read: a failed start, tried again as any other.
                try { ReadPolicy(); }
                catch (SupervisorError e)
                {
                    _owner._diag.Warn($"{(_isLog ? "log/" : "")}{e.Message}", e.Errno);
                    return 0;
                }
            }
            bool oneshot = Policy.Oneshot;
            string[]? argv = oneshot ? OneshotArguments(finish ? OneshotDown : OneshotUp) : finish ? FinishArguments(process.LastStatus) : ["./run"];
            if (argv is null) return 0;
            if (!finish && !PrepareCgroup()) return 0;
            var environment = new List<(string Name, string? Value)>();
            if (_owner.Instance is { } instance)
            {
                argv = [.. argv, instance];
                environment.Add((ServiceInstance.ArgumentVariable, instance));
                if (!_isLog && _owner._template is { } template && Sys.Stat(Path.Combine(Directory, argv[0]), out _) < 0)
                    argv[0] = Path.Combine(template, argv[0]);   // the template's ./run or ./finish
            }
            // Only ./run gets what the directory declares: ./finish, control/* and a oneshot's scripts run as under runit.
            bool run = !finish && !oneshot;
            (int Source, int Target)[] sockets = run ? HeldForChild(environment) : [];
            var notification = run ? OpenNotification() : null;
            string? notifySocket = run ? NotifySocketFor() : null;
            if (notifySocket is not null || oneshot) _declares = true;
            if (notifySocket is not null)
            {
                environment.Add(("NOTIFY_SOCKET", notifySocket));
                if (Policy.WatchdogMs > 0) environment.Add(("WATCHDOG_USEC", (Policy.WatchdogMs * 1000).ToString()));
            }
            var (path, arguments) = sockets.Length > 0 ? RunThroughListenPid(argv) : (argv[0], argv);
            var request = new SpawnRequest
            {
                Path = path,
                Arguments = arguments,
                WorkingDirectory = Directory,
                Stdin = _isLog ? _owner._logRead : SpawnRequest.Inherit,
                Stdout = !_isLog && _owner._logWrite >= 0 ? _owner._logWrite : SpawnRequest.Inherit,
                // Under the default logger stderr too: its lines are all the service has (log/ keeps runit's way).
                Stderr = !_isLog && _owner.UsesDefaultLog && _owner._logWrite >= 0 ? _owner._logWrite : SpawnRequest.Inherit,
                ExtraFds = notification is { } n ? [.. sockets, (n.WriteEnd, n.Number)] : sockets,
                Environment = EnvironmentWith(environment),
            };
            int rc = SpawnOwn(request, out int pid);
            if (notification is { } opened) Sys.Close(opened.WriteEnd);   // the child's alone now: EOF once it is gone
            if (rc != 0)
            {
                if (notification is { } unused) Sys.Close(unused.ReadEnd);
                _owner._diag.Fatal($"unable to start {(_isLog ? "log/" : "")}{argv[0]}", rc);
                return 0;
            }
            if (notification is { } watched) ListenForReadiness(watched.ReadEnd, pid);
            _owner._loop.WatchChild(pid, status => OnExit(pid, status));
            return pid;
        }

        /// <summary>
        /// Our environment with <paramref name="changes"/> applied (a null value removes the variable):
        /// the one place ./run's variables are set. Null when there are none, so a runit directory's
        /// ./run gets the environment exactly as we received it.
        /// </summary>
        private static List<string>? EnvironmentWith(List<(string Name, string? Value)> changes)
        {
            if (changes.Count == 0) return null;
            var prefixes = changes.Select(c => c.Name + "=").ToArray();
            var entries = Sys.EnvironmentEntries().Where(e => !prefixes.Any(p => e.StartsWith(p, StringComparison.Ordinal))).ToList();
            foreach (var (name, value) in changes)
                if (value is not null) entries.Add(name + "=" + value);
            return entries;
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

        private const string OneshotUp = "up", OneshotDown = "down";

        /// <summary>
        /// How s6-rc runs a oneshot's <c>up</c> or <c>down</c>: an execline script, read by
        /// <c>execlineb -P</c>. An executable file is run as it is (a shell script with its #! line);
        /// a plain one needs execlineb in PATH, else it cannot start (null, said).
        /// </summary>
        private string[]? OneshotArguments(string script)
        {
            // A directory instance without its own takes the template's, as it does ./run.
            if (_owner._template is { } template && !_isLog && Sys.Stat(Path.Combine(Directory, script), out _) < 0 && Sys.Stat(Path.Combine(template, script), out _) == 0)
                script = Path.Combine(template, script);
            if (Sys.Stat(Path.Combine(Directory, script), out var st) < 0)
            {
                _owner._diag.Warn(Sys.Errno == ENOENT ? $"{Prefix}{script}: no such file: a oneshot needs one" : $"unable to stat {Prefix}{script}", Sys.Errno == ENOENT ? 0 : Sys.Errno);
                return null;
            }
            string path = Path.IsPathRooted(script) ? script : "./" + script;
            if (st.IsOwnerExecutable) return [path];
            if (ProgramPath.Find("execlineb") is { } execlineb) return [execlineb, "-P", path];
            _owner._diag.Warn($"{Prefix}{script}: not executable, and no execlineb in PATH to read it as s6-rc does");
            return null;
        }

        private void OnExit(int pid, int status) => _owner.Guarded(() =>
        {
            if (Process.Pid != pid) return;
            StopListening();
            _lastExitOom = WaitStatus.Signaled(status) && WaitStatus.TermSignal(status) == SIGKILL && KilledByOom();
            if (_lastExitOom) _owner._diag.Warn($"{Prefix}killed by the OOM killer (its cgroup's memory limit)");
            EndLeftovers(status);
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
                Environment = _owner.Instance is { } instance ? EnvironmentWith([(ServiceInstance.ArgumentVariable, instance)]) : null,
                Stdout = _owner._logWrite >= 0 ? _owner._logWrite : SpawnRequest.Inherit,
            };
            int rc = SpawnOwn(request, out int pid, control: true);
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

        private bool _lastExitOom;

        public void Report(string message) => _owner._diag.Warn(Prefix + message);

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
            RecordTimeline();   // before the dirty check: a wait for dependencies publishes no status
            if (!_dirty) return;
            _dirty = false;
            // Before the status: whoever sees the new pid (or a down for good) there finds its
            // readiness and last exit already written.
            PublishReadiness();
            PublishHealth();
            PublishCgroup();
            // Once there is something to say: a service that never exited keeps runit's files alone.
            if (Process.Exits > 0 || Policy.Backoff is not null || Policy.Limit is not null || Process.Failed)
                Files.PublishOwn(RestartState.File, Restart().Format(), _owner._diag.Warn);
            if (Files.Publish(Process.Status, Process.Want == Want.Exit, WarnOnce))
            {
                _publishFailing = false;
                if (!_isLog) _owner.Published?.Invoke();
                return;
            }
            _publishFailing = _dirty = true;
            _publishRetry ??= _owner._loop.After(RetryAfterFailureMs, () => { _publishRetry = null; _owner.Guarded(Flush); });
        }

        private void WarnOnce(string message, int errno)
        {
            if (!_publishFailing) _owner._diag.Warn(message, errno);
        }

        /// <summary>What supervise/restart says now (<see cref="RestartState"/>).</summary>
        private RestartState Restart()
        {
            var now = Tai64N.Now();
            long next = Process.NextStartMs == 0 ? 0 : now.UnixSeconds * 1000 + now.Nanoseconds / 1_000_000 + (Process.NextStartMs - Now);
            return new RestartState(Process.RestartDelayMs, $"{next / 1000}.{next % 1000:D3}", Process.Restarts,
                Process.Exits > 0 ? RestartState.ExitText(Process.LastStatus, _lastExitOom) : null,
                Policy.Limit is null && !Process.Failed ? null : Process.Deaths, Process.Failed);
        }

        public void WakeAt(long monotonicMs)
        {
            _wake?.Cancel();
            _wake = _owner._loop.After(monotonicMs - Now, () => { _wake = null; _owner.Guarded(_owner.AfterEvent); });
        }

        public void Dispose(EventLoop loop)
        {
            _wake?.Cancel();
            CancelDependantsPoll();
            StopHealth();
            StopListening();
            CloseNotifySocket();
            CloseSockets();
            _freeze?.Cancel();
            RemoveCgroup();
            _publishRetry?.Cancel();
            if (Files.ControlFd >= 0) loop.Unwatch(Files.ControlFd);
            Files.Dispose();
        }
    }
}
