using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Supervision;

public sealed partial class ServiceSupervisor
{
    /// <summary>
    /// Every process of the service, not only ./run, under the engine: its cgroup
    /// (<see cref="ServiceCgroups"/>), or without one the process tree (<see cref="ServiceTree"/>).
    /// Stop signals, <c>k</c>, <c>p</c> and <c>c</c> reach all of them; what ./run leaves behind
    /// when it exits is killed before ./finish or the next ./run starts, so a service never runs
    /// twice. Under runsv (neither), runit's behaviour: signals go to ./run's pid alone.
    /// </summary>
    private sealed partial class Slot
    {
        private Cgroup? _cgroup, _serviceCgroup, _controlCgroup;
        private bool _limitsWritten;
        private long _oomKillsAtStart;
        private string _limitErrors = "";

        /// <summary>The mark the process tree finds the service's orphans by (its real directory, and instance).</summary>
        private string Mark => _owner.Instance is { } instance ? $"{Directory}@{instance}" : Directory;

        /// <summary>
        /// The one way a slot starts a process: with the process tree's mark, then moved into the
        /// service's cgroup (and its forks with it). A <c>control/</c> script is the supervisor's
        /// helper, not the service: it goes beside, into <c>services/NAME/control</c>, so that what
        /// ends the service's processes spares it (and the engine's own cgroup holds the engine alone).
        /// 0 or the spawn's errno.
        /// </summary>
        private int SpawnOwn(SpawnRequest request, out int pid, bool control = false)
        {
            if (_owner.FollowTree && !control)
                request = request with { Environment = WithMark(request.Environment) };
            int rc = Spawner.Spawn(request, out pid);
            if (rc != 0 || _cgroup is null || _owner.Cgroups is not { } cgroups) return rc;
            var target = control ? ControlCgroup() : _cgroup;
            int placed = cgroups.Assign(pid, target);
            if (placed != 0)
            {
                _owner._diag.Warn($"unable to move {(_isLog ? "log/" : "")}pid {pid} into cgroup {target.Path}", placed);
                // Limits that cannot be enforced must not be pretended: the process goes.
                if (_limitsWritten && !control) Sys.Kill(pid, SIGKILL);
            }
            return 0;
        }

        private Cgroup ControlCgroup()
        {
            if (_controlCgroup is null)
            {
                _controlCgroup = new Cgroup(Path.Combine(_serviceCgroup!.Path, "control"));
                _controlCgroup.Create();
            }
            return _controlCgroup;
        }

        private List<string> WithMark(IReadOnlyList<string>? environment)
        {
            string prefix = ServiceTree.MarkVariable + "=";
            var entries = (environment ?? Sys.EnvironmentEntries()).Where(e => !e.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            entries.Add(prefix + Mark);
            return entries;
        }

        /// <summary>
        /// Before ./run starts: its cgroup exists and has the limits of <c>limits/</c>. False (said
        /// once per distinct problem) when a limit is invalid: the service does not start.
        /// </summary>
        private bool PrepareCgroup()
        {
            var errors = new List<string>();
            var limits = ServiceLimits.Has(Directory) ? ServiceLimits.Read(Directory, errors) : null;
            string joined = string.Join("\n", errors);
            if (joined != _limitErrors)
            {
                _limitErrors = joined;
                foreach (var error in errors) _owner._diag.Warn($"{Prefix}{error}: not starting");
            }
            if (errors.Count > 0) return false;
            if (_owner.Cgroups is not { } cgroups)
            {
                if (limits is not null)
                    WarnOnceAbout(ServiceLimits.Directory, $"{Prefix}{ServiceLimits.Directory}/: no writable cgroup v2 hierarchy here: the limits are not applied");
                return true;
            }
            if (!EnsureCgroup()) return limits is null;
            var cgroup = _cgroup!;
            if (limits is not null || _limitsWritten)
            {
                foreach (var (file, value) in limits ?? ServiceLimits.Defaults)
                {
                    if (!cgroups.Controllers.Contains(ServiceLimits.ControllerOf(file)))
                    {
                        if (limits is not null && value != ServiceLimits.DefaultOf(file))
                            WarnOnceAbout(file, $"{Prefix}{ServiceLimits.Directory}/{file}: the {ServiceLimits.ControllerOf(file)} controller is not available here: not applied");
                        continue;
                    }
                    int rc = cgroup.Write(file, value);
                    if (rc == ENOENT)
                    {
                        // The controller is there but not this file (memory.swap.max without swap accounting).
                        if (limits is not null && value != ServiceLimits.DefaultOf(file))
                            WarnOnceAbout(file, $"{Prefix}{ServiceLimits.Directory}/{file}: this kernel's {ServiceLimits.ControllerOf(file)} controller has no {file}: not applied");
                        continue;
                    }
                    if (rc != 0)
                    {
                        _owner._diag.Warn($"{Prefix}{ServiceLimits.Directory}/{file}: the kernel refused \"{value}\": not starting", rc);
                        return false;
                    }
                }
                _limitsWritten = limits is not null;
            }
            _oomKillsAtStart = cgroup.OomKills ?? 0;
            return true;
        }

        /// <summary>
        /// The slot's cgroup exists (made when the supervisor starts, so that a process adopted
        /// from a previous engine is found in it too: it is where that engine put it). False when it cannot be made.
        /// </summary>
        private bool EnsureCgroup()
        {
            if (_cgroup is not null) return true;
            if (_owner.Cgroups is not { } cgroups) return false;
            var (service, process) = cgroups.For(_owner.Name, _isLog);
            int rc = process.Create();
            if (rc != 0)
            {
                _owner._diag.Warn($"unable to create cgroup {process.Path}", rc);
                return false;
            }
            service.Delegate(cgroups.Controllers);
            (_serviceCgroup, _cgroup) = (service, process);
            return true;
        }

        private readonly HashSet<string> _warnedLimits = [];

        private void WarnOnceAbout(string key, string message)
        {
            if (_warnedLimits.Add(key)) _owner._diag.Warn(message);
        }

        /// <summary>A signal for the whole service: every process of its cgroup or tree (SIGKILL: cgroup.kill; SIGSTOP: frozen too; SIGCONT: thawed too).</summary>
        public void SignalAll(int pid, int signo)
        {
            if (_cgroup is { } cgroup)
            {
                switch (signo)
                {
                    case SIGKILL: cgroup.KillAll(); return;
                    case SIGCONT:
                        _freeze?.Cancel();
                        _freeze = null;
                        cgroup.SetFrozen(false);
                        break;
                }
                cgroup.SignalAll(signo);
                if (pid > 0) Sys.Kill(pid, signo);   // ./run itself, even if it could not be moved
                if (signo == SIGSTOP) FreezeOnceStopped(cgroup, FreezeChecks);
                return;
            }
            if (_owner.FollowTree)
            {
                foreach (int member in ServiceTree.Members(pid, Mark)) Sys.Kill(member, signo);
                return;
            }
            Sys.Kill(pid, signo);
        }

        private EventLoop.Timer? _freeze;
        private const int FreezeChecks = 40, FreezeCheckMs = 5;

        /// <summary>
        /// sv pause: stopped first, as runit's pause stops ./run, so that a later signal (sv term,
        /// sv 1) stays pending until sv cont; then frozen, so that a fork under way stops too. The
        /// freeze waits until every process has taken its STOP (state T, a few ms): one frozen
        /// before that keeps the STOP queued, and would die of a fatal signal meanwhile.
        /// </summary>
        private void FreezeOnceStopped(Cgroup cgroup, int checksLeft)
        {
            _freeze = null;
            if (checksLeft > 0 && cgroup.Processes().Any(pid => ProcessState(pid) is not ('T' or 'Z' or 'X' or '\0')))
            {
                _freeze = _owner._loop.After(FreezeCheckMs, () => _owner.Guarded(() => FreezeOnceStopped(cgroup, checksLeft - 1)));
                return;
            }
            cgroup.SetFrozen(true);
        }

        /// <summary>The state letter of /proc/PID/stat, or NUL when it is gone.</summary>
        private static char ProcessState(int pid) => ProcStat.Of(pid)?.State ?? '\0';

        /// <summary>
        /// ./run (or ./finish) exited: what it left running is killed, so that ./finish and the next
        /// ./run start alone. A oneshot's <c>up</c> that succeeded may leave what it started.
        /// </summary>
        private void EndLeftovers(int status)
        {
            if (Policy.Oneshot && Process.State == RunState.Run && WaitStatus.Succeeded(status)) return;
            if (_cgroup is { } cgroup)
            {
                if (!cgroup.Populated) return;
                cgroup.KillAll();
                _owner._diag.Info($"{Prefix}killed the processes left in cgroup {cgroup.Path}");
            }
            else if (_owner.FollowTree && ServiceTree.Members(0, Mark) is { Count: > 0 } left)
            {
                foreach (int member in left) Sys.Kill(member, SIGKILL);
                _owner._diag.Info($"{Prefix}killed {left.Count} process{(left.Count == 1 ? "" : "es")} left behind");
            }
        }

        /// <summary>Whether the OOM killer ended a process of the service since ./run started.</summary>
        private bool KilledByOom() => _cgroup?.OomKills is { } kills && kills > _oomKillsAtStart;

        /// <summary>supervise/cgroup: the path of the service's cgroup, where sv finds its memory, CPU time and OOM kills.</summary>
        private void PublishCgroup()
        {
            if (_cgroup is { } cgroup) Files.PublishOwn(SuperviseDirectory.CgroupFile, cgroup.Path + "\n", _owner._diag.Warn);
        }

        /// <summary>The cgroup of a service gone for good goes too (it may not, while a process lingers).</summary>
        private void RemoveCgroup()
        {
            if (_cgroup is null || _serviceCgroup is null) return;
            _cgroup.Remove();
            _controlCgroup?.Remove();
            _serviceCgroup.Remove();
        }
    }
}
