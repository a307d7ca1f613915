using Init.Interop;
using Init.Runtime;
using Init.Supervision;
using static Init.Interop.Consts;

namespace Init.Boot;

/// <summary>
/// Force-stop of every supervised service under a service directory, in parallel, on runit's
/// on-disk protocol (so runit's runsv is stopped the same way as ours): <c>d</c> to each
/// supervise/control (a logger only once its service is down, so it gets the last lines; a service
/// named in others' dependencies.d only once they are down: the reverse of the start order), then
/// after the grace <c>k</c> to those still up, then <c>x</c> so each runsv exits. Progress is polled from supervise/status on the event loop; <see cref="Done"/>
/// fires once every service is down (or a last short wait after the kills ran out). Every second
/// the console names what is still awaited, so a shutdown that hangs says on what.
/// </summary>
public sealed class ServiceStopper(EventLoop loop, BootLog log, string serviceDirectory, long graceMs)
{
    private const long PollMs = 50, AfterKillMs = 2000, ExitWaitMs = 1000, WaitingLineMs = 1000;

    private sealed class Service(string name, string path, string supervise, Service? main)
    {
        /// <summary>The service directory (its dependencies.d) and its supervise directory (runit's, or an instance's).</summary>
        public readonly string Name = name, Path = path, Supervise = supervise;
        public readonly Service? Main = main;
        /// <summary>The services whose dependencies.d names this one: they stop first.</summary>
        public readonly List<Service> Dependents = [];
        public bool Down, Killed, Told;
        public bool MayStop => (Main is null || Main.Down) && Dependents.All(d => d.Down);
    }

    private readonly List<Service> _services = [];
    private long _started, _nextWaitingLine = WaitingLineMs;
    private bool _killSent, _finished;

    /// <summary>Called once, with the names of the services that had to be killed.</summary>
    public Action<IReadOnlyList<string>>? Done { get; set; }

    public void Start()
    {
        _started = loop.Now;
        var mains = new Dictionary<string, Service>();
        foreach (var (name, path, supervise) in Discover(serviceDirectory))
        {
            if (!SuperviseClient.HasSupervisor(supervise)) continue;
            bool isLog = name.EndsWith("/log", StringComparison.Ordinal);
            mains.TryGetValue(isLog ? name[..^4] : "", out var main);
            var service = new Service(name, path, supervise, isLog ? main : null);
            if (!isLog) mains[name] = service;
            _services.Add(service);
        }
        foreach (var s in _services.Where(s => s.Main is null))
            foreach (string name in ServiceDependencies.Of(s.Path))
                if (mains.TryGetValue(name, out var needed) && needed != s) needed.Dependents.Add(s);
        foreach (var s in _services) if (s.MayStop) Tell(s);
        log.Line($"stage 3: stopping {_services.Count} service(s), grace {graceMs / 1000.0:0.#}s");
        Poll();
    }

    /// <summary>Services and their loggers: runsvdir's scan of the directory (<see cref="ServiceScan"/>), each with its log/.</summary>
    public static IEnumerable<(string Name, string Path, string Supervise)> Discover(string serviceDirectory)
    {
        var found = ServiceScan.Read(serviceDirectory, (_, _, _) => { }) ?? [];
        foreach (var service in found.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            string path = Path.Combine(serviceDirectory, service.Name);
            yield return (service.Name, path, ServiceInstance.SuperviseOf(path));
            string logPath = Path.Combine(path, "log");
            if (Sys.Stat(logPath, out var lst) == 0 && lst.IsDirectory) yield return (service.Name + "/log", logPath, ServiceInstance.SuperviseOf(path, log: true));
        }
    }

    public static bool Send(string supervise, char command) => SuperviseClient.Send(supervise, [(byte)command]) == 0;


    private void Tell(Service s)
    {
        s.Told = true;
        Send(s.Supervise, 'd');
    }

    private void Poll()
    {
        if (_finished) return;
        long elapsed = loop.Now - _started;
        foreach (var s in _services)
        {
            if (!s.Told && s.MayStop) Tell(s);
            if (s.Down || !s.Told || !SuperviseClient.IsDown(s.Supervise)) continue;
            s.Down = true;
            log.Line(s.Killed ? $"stage 3: {s.Name}: killed after {elapsed / 1000.0:0.0}s (did not stop within the grace)" : $"stage 3: {s.Name}: stopped ({elapsed / 1000.0:0.0}s)");
        }
        bool allDown = _services.All(s => s.Down);
        if (!allDown && elapsed >= _nextWaitingLine)
        {
            _nextWaitingLine += WaitingLineMs;
            log.Line($"stage 3: {Awaited()} ({elapsed / 1000.0:0.0}s)");
        }
        if (!allDown && !_killSent && elapsed >= graceMs)
        {
            _killSent = true;
            foreach (var s in _services.Where(s => !s.Down))
            {
                if (!s.Told) Tell(s);
                s.Killed = true;
                log.Line($"stage 3: {s.Name}: still up after {graceMs / 1000.0:0.#}s: sending SIGKILL");
                Send(s.Supervise, 'k');
            }
        }
        if (allDown || (_killSent && elapsed >= graceMs + AfterKillMs))
        {
            Finish();
            return;
        }
        loop.After(PollMs, Poll);
    }

    /// <summary>"waiting for a b", then the services held back until those are down (loggers, what others need).</summary>
    private string Awaited()
    {
        var told = _services.Where(s => s.Told && !s.Down).Select(s => s.Name);
        var queued = _services.Where(s => !s.Told && !s.Down).Select(s => s.Name).ToList();
        return $"waiting for {string.Join(' ', told)}{(queued.Count > 0 ? ", then for " + string.Join(' ', queued) : "")}";
    }

    private void Finish()
    {
        _finished = true;
        // x after everything is down: runsv then exits instead of waiting for a restart.
        foreach (var s in _services) Send(s.Supervise, 'x');
        foreach (var s in _services.Where(s => !s.Down)) log.Warn($"stage 3: {s.Name}: still not down");
        long until = loop.Now + ExitWaitMs;
        WaitForSupervisors(until);
    }

    /// <summary>Gives the runsv processes a moment to exit on their own before anything gets SIGTERM.</summary>
    private void WaitForSupervisors(long until)
    {
        if (_services.Any(s => SuperviseClient.HasSupervisor(s.Supervise)) && loop.Now < until)
        {
            loop.After(PollMs, () => WaitForSupervisors(until));
            return;
        }
        Done?.Invoke(_services.Where(s => s.Killed).Select(s => s.Name).ToList());
    }
}
