using Init.Interop;
using Init.Runtime;

namespace Init.Supervision;

public sealed partial class ServiceSupervisor
{
    /// <summary>
    /// s6-rc's <c>dependencies.d/NAME</c> (empty files or symlinks): ./run starts only once each
    /// NAME, a service beside this one, is up and ready (<see cref="ServiceReadiness.Up"/>). Until
    /// then the service waits, polled on a timer, with what it waits for in <c>supervise/waiting</c>.
    /// A NAME that is no service, or a cycle back to this one, is reported once and never satisfied.
    /// </summary>
    private sealed partial class Slot
    {
        private const long DependencyPollMs = 200;

        /// <summary>./run is held back by dependencies not yet up (what <see cref="ServiceSupervisor.RecheckDependencies"/> looks at).</summary>
        public bool WaitingForDependencies { get; private set; }
        private readonly HashSet<string> _reported = [];

        /// <summary>Dependencies first: a service waiting for them holds no address yet (clients are refused, not queued).</summary>
        public bool MayStart() => DependenciesReady() && SocketsBound();

        private bool DependenciesReady()
        {
            if (_isLog) return true;
            string[] needs = ServiceDependencies.Of(Directory);
            if (needs.Length == 0) { PublishWaiting([]); return true; }
            var waiting = new List<string>();
            foreach (string name in needs)
            {
                string dependency = Path.Combine(_owner._siblings, name);
                if (!System.IO.Directory.Exists(dependency)) { Report(name, $"dependency {name}: no such service in {_owner._siblings}: waiting for it"); waiting.Add(name); continue; }
                if (LeadsBackHere(name) is { } cycle) { Report(name, $"dependency cycle: {cycle}: not starting"); waiting.Add(name); continue; }
                if (!ServiceReadiness.Up(dependency)) waiting.Add(name);
            }
            PublishWaiting(waiting);
            WaitingForDependencies = waiting.Count > 0;
            if (waiting.Count == 0) return true;
            // The poll finds a dependency up under any supervisor; the engine's own say so at once (Published).
            WakeAt(Now + DependencyPollMs);
            return false;
        }

        /// <summary>How long a stop waits for the services that need this one to go down first.</summary>
        public const long DependantsGraceMs = 10_000;
        private EventLoop.Timer? _dependantsPoll;

        /// <summary>
        /// Before this service stops: <c>d</c> to every sibling whose dependencies.d names it and that
        /// still runs; true (the stop waits) while one of them is up, polled until none is or the grace ends.
        /// </summary>
        public bool StopDependants()
        {
            // Every service told x at once (the engine's SIGHUP): each stops on its own, and a 'd'
            // sent now would reach a sibling after its x and turn its exit into a down for good.
            if (_isLog || !Policy.StopDependants || _owner.StoppingAll) return false;
            var up = new List<(string Name, string Supervise)>();
            foreach (var (name, path) in ServiceDependencies.Dependants(_owner._siblings, _owner.Name))
            {
                string supervise = ServiceInstance.SuperviseOf(path);
                if (SuperviseClient.IsDown(supervise)) continue;
                // One already told to stop (want down, or exit: its status says 'd' for both) is only waited for:
                // a 'd' now would turn its exit into a down and its supervisor would never end.
                if (SuperviseClient.ReadStatus(supervise, out var status, out _) == 0 && status.Want == 'u') SuperviseClient.Send(supervise, "d"u8);
                up.Add((name, supervise));
            }
            if (up.Count == 0) return false;
            _owner._diag.Info($"stopping first what needs it: {string.Join(' ', up.Select(d => d.Name))}");
            long until = Now + DependantsGraceMs;
            void Poll()
            {
                _dependantsPoll = null;
                var still = up.Where(d => !SuperviseClient.IsDown(d.Supervise)).ToList();
                if (still.Count > 0 && Now < until) { _dependantsPoll = _owner._loop.After(DependencyPollMs, () => _owner.Guarded(Poll)); return; }
                if (still.Count > 0) _owner._diag.Warn($"still up {DependantsGraceMs / 1000} s after being told to stop: {string.Join(' ', still.Select(d => d.Name))}: stopping anyway");
                Process.DependantsStopped();
                _owner.AfterEvent();
            }
            _dependantsPoll = _owner._loop.After(DependencyPollMs, () => _owner.Guarded(Poll));
            return true;
        }

        private void CancelDependantsPoll() => _dependantsPoll?.Cancel();

        private void Report(string name, string message)
        {
            if (_reported.Add(name)) _owner._diag.Warn(message);
        }

        private void PublishWaiting(List<string> waiting)
        {
            if (waiting.Count == 0 && Sys.Stat(Path.Combine(Directory, ServiceDependencies.Directory), out _) < 0) return;
            Files.PublishOwn(SuperviseDirectory.WaitingFile, waiting.Count == 0 ? "" : string.Join(' ', waiting) + "\n", _owner._diag.Warn);
        }

        /// <summary>The path of a cycle from <paramref name="first"/> back to this service ("a -> b -> a"), or null.</summary>
        private string? LeadsBackHere(string first)
        {
            string? self = Sys.RealDirectory(Directory);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var path = new List<string> { _owner.Name, first };
            return Walk(first);

            string? Walk(string name)
            {
                string dir = Path.Combine(_owner._siblings, name);
                // This service under any of its names; instances of one template share its directory
                // but not their supervise@ARG, so each is a service of its own.
                if (Sys.RealDirectory(dir) is { } real && real == self && ServiceInstance.SuperviseName(name, real) == _owner._superviseName)
                    return string.Join(" -> ", path);
                if (!seen.Add(name) || path.Count > 64) return null;
                foreach (string next in ServiceDependencies.Of(dir))
                {
                    path.Add(next);
                    if (Walk(next) is { } cycle) return cycle;
                    path.RemoveAt(path.Count - 1);
                }
                return null;
            }
        }
    }
}
