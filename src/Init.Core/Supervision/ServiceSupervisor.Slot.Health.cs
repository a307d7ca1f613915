using Init.Interop;
using Init.Runtime;

namespace Init.Supervision;

public sealed partial class ServiceSupervisor
{
    /// <summary>
    /// Health checks: a service with an executable <c>health</c> has it run by the supervisor as soon
    /// as ./run is up (and ready, where it declares readiness), then every <c>health-interval</c> ms.
    /// Exit 0 is healthy; any other exit, or no exit within <c>health-timeout</c> ms (then it is
    /// killed), is a failure; <c>health-retries</c> failures in a row give the service up
    /// (<see cref="ServiceProcess.GiveUp"/>: the down-signal, a death, so it starts again). The state
    /// is published in <c>supervise/health</c>: <c>healthy</c>, <c>unhealthy</c> or <c>starting</c>
    /// (no result yet for this pid), then the failures in a row and how often it was given up.
    /// </summary>
    private sealed partial class Slot
    {
        public const string HealthFile = "health";
        private EventLoop.Timer? _healthTimer;
        private int _checkPid, _checkedPid, _failures, _givenUp;
        private string _health = "starting";
        private bool _hasHealth;

        /// <summary>After every event: starts the checks of a newly up process, forgets them for a gone one.</summary>
        public void ReconcileHealth()
        {
            if (_isLog) return;
            bool up = Process.State == RunState.Run && Process.Pid != 0 && Process.Readiness is Readiness.None or Readiness.Ready;
            if (!up || _checkedPid == Process.Pid) return;
            if (Sys.Stat(System.IO.Path.Combine(Directory, HealthFile), out var st) < 0 || !st.IsOwnerExecutable)
            {
                _hasHealth = false;
                return;
            }
            _hasHealth = true;
            _checkedPid = Process.Pid;
            _failures = 0;
            _health = "starting";
            _healthTimer?.Cancel();
            _healthTimer = _owner._loop.After(0, () => _owner.Guarded(Check));
        }

        private void Check()
        {
            _healthTimer = null;
            int pid = _checkedPid;
            if (Process.Pid != pid || Process.State != RunState.Run) return;
            var request = new SpawnRequest
            {
                Path = "./" + HealthFile,
                Arguments = ["./" + HealthFile],
                WorkingDirectory = Directory,
                Stdout = SpawnRequest.Closed,
            };
            int rc = SpawnOwn(request, out int check);
            if (rc != 0)
            {
                _owner._diag.Warn($"unable to run {Prefix}{HealthFile}", rc);
                Judged(pid, healthy: false);
                return;
            }
            _checkPid = check;
            var deadline = _owner._loop.After(Policy.HealthTimeoutMs, () => Sys.Kill(check, Consts.SIGKILL));
            _owner._loop.WatchChild(check, status => _owner.Guarded(() =>
            {
                deadline.Cancel();
                _checkPid = 0;
                Judged(pid, status != ServiceProcess.UnknownStatus && WaitStatus.Succeeded(status));
            }));
        }

        private void Judged(int pid, bool healthy)
        {
            if (Process.Pid != pid) return;   // the process the check was for is gone: its result means nothing
            _failures = healthy ? 0 : _failures + 1;
            _health = healthy ? "healthy" : _failures >= Policy.HealthRetries ? "unhealthy" : _health;
            Publish(Process);
            if (!healthy && _failures >= Policy.HealthRetries)
            {
                _givenUp++;
                Publish(Process);
                Process.GiveUp($"{HealthFile} failed {_failures} times in a row: stopping it");
            }
            else _healthTimer = _owner._loop.After(Policy.HealthIntervalMs, () => _owner.Guarded(Check));
            _owner.AfterEvent();
        }

        private void PublishHealth()
        {
            if (!_hasHealth && _givenUp == 0) return;
            Files.PublishOwn(SuperviseDirectory.HealthFile, $"{_health}\nfailures {_failures}\ngiven_up {_givenUp}\n", _owner._diag.Warn);
        }

        private void StopHealth()
        {
            _healthTimer?.Cancel();
            if (_checkPid != 0) Sys.Kill(_checkPid, Consts.SIGKILL);
        }
    }
}
