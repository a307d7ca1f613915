using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Supervision;

/// <summary>
/// Every service of a scanned directory supervised in this one process: one
/// <see cref="ServiceSupervisor"/> per service directory on one loop, each with its own
/// <c>supervise/</c> (and <c>log/supervise/</c>) exactly as a runsv would keep it, so runit's sv,
/// ours and anything reading supervise/ cannot tell the difference. The scan follows runit's
/// runsvdir: services keyed by the (device, inode) of their directory, a new one supervised at
/// once, a removed one told <c>x</c>; a supervisor that ends (after <c>x</c>) or fails to start is
/// started again at a scan 1 s later. Scans happen at
/// start, on inotify events in the directory, and every 5 s: nothing else wakes an idle engine.
/// </summary>
public sealed class SupervisionEngine : IDisposable
{
    public const long RestartDelayMs = 1000;   // runit's runsvdir restarts a runsv at most once a second

    /// <summary>The environment variable our runsvdir reads: <c>engine</c> (the default) or <c>process</c> (a runsv per service).</summary>
    public const string ModeVariable = "INIT_SUPERVISION";

    private sealed class Entry(string name)
    {
        public string Name = name;
        public ServiceSupervisor? Supervisor;
        public long LastStartMs = long.MinValue / 2;
    }

    private readonly Dictionary<(ulong, ulong, string?), Entry> _entries = [];
    private readonly HashSet<ServiceSupervisor> _leaving = [];     // removed from the directory, stopping
    private readonly EventLoop _loop;
    private readonly string _directory;
    private readonly DirectoryScanner _scanner;
    private readonly ServiceCgroups? _cgroups;
    private readonly bool _followTree;
    private readonly DefaultLog? _defaultLog;
    private bool _stopping;

    /// <summary>Called once after <see cref="StopAll"/>, when every supervisor has ended.</summary>
    public Action? Stopped { get; set; }

    /// <param name="warn">runsvdir's warnings ("unable to open directory ", path, errno).</param>
    public SupervisionEngine(EventLoop loop, string directory, Action<string, string, int> warn)
    {
        _loop = loop;
        _directory = directory;
        _scanner = new DirectoryScanner(loop, directory, warn, Apply);
        var diag = new Diagnostics("runsvdir");
        _cgroups = ServiceCgroups.Open(directory, diag.Warn);
        // Without cgroups, orphans of services must come to us to be found (PID 1 gets them anyway).
        _followTree = _cgroups is null && (Sys.GetPid() == 1 || Sys.Prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
        if (_cgroups is null && !_followTree) diag.Warn("unable to become a subreaper: processes a service leaves behind cannot be found", Sys.Errno);
        if (DefaultLog.RingBytesSetting(diag.Warn) is { } ringBytes) _defaultLog = new DefaultLog(new Logging.PrefixedOutput(loop), ringBytes);
    }

    /// <summary>Supervisors alive now (running, starting, or stopping after removal).</summary>
    public int Supervising => _entries.Values.Count(e => e.Supervisor is not null) + _leaving.Count;

    /// <summary>Reads the directory and brings the set of supervisors in line with it.</summary>
    public void Scan() => _scanner.Scan();

    private long Apply(IReadOnlyList<FoundService> found)
    {
        long now = _loop.Now;
        long next = long.MaxValue;
        var seen = new HashSet<(ulong, ulong, string?)>();
        foreach (var service in found)
        {
            var key = service.Key;
            seen.Add(key);
            if (!_entries.TryGetValue(key, out var entry)) _entries[key] = entry = new Entry(service.Name);
            entry.Name = service.Name;
            if (entry.Supervisor is not null)
            {
                entry.Supervisor.NoticeLogger();
                continue;
            }
            long notBefore = entry.LastStartMs + RestartDelayMs;
            if (now >= notBefore) Start(entry, now);
            else next = Math.Min(next, notBefore - now);
        }
        foreach (var (key, entry) in _entries.Where(kv => !seen.Contains(kv.Key)).ToList())
        {
            // Removed: told x (what runsvdir's TERM means to a runsv) and forgotten, as runit's runsvdir.
            _entries.Remove(key);
            if (entry.Supervisor is { } leaving)
            {
                _leaving.Add(leaving);
                leaving.Finished = () => End(leaving);
                leaving.Exit();
            }
        }
        return next;
    }

    private void Start(Entry entry, long now)
    {
        entry.LastStartMs = now;
        string path = Path.Combine(_directory, entry.Name);
        // The real directory, as runsv's chdir would resolve it: the supervisor keeps working in it
        // (status, ./finish) after the link in the scanned directory is removed.
        string? real = Sys.RealDirectory(path);
        if (real is null)
        {
            Report(entry.Name, "unable to change to directory", Sys.Errno);
            return;
        }
        var diag = new Diagnostics($"runsv {entry.Name}");
        var supervisor = NewSupervisor(real, entry.Name, diag);
        entry.Supervisor = supervisor;
        supervisor.Finished = () => End(supervisor, entry);
        supervisor.Failed = e =>
        {
            // Where runsv would die with 111: reported, and tried again like a runsv that exited.
            Report(entry.Name, e.Message, e.Errno);
            End(supervisor, entry);
        };
        supervisor.Start();
    }

    /// <summary>A supervisor with what the engine gives every service: its cgroups (or the process tree) and the default logger.</summary>
    private ServiceSupervisor NewSupervisor(string directory, string name, Diagnostics diag) =>
        new(directory, _loop, diag, siblings: Path.GetFullPath(_directory), name: name)
        {
            Cgroups = _cgroups,
            FollowTree = _followTree,
            DefaultLog = _defaultLog,
            Published = LetWaitingLookAgain,
        };

    private bool _lookAgainPending;

    /// <summary>
    /// A service's status changed: the ones waiting for dependencies look again once this event is
    /// handled (one pass however many changed), so a chain starts link after link without each
    /// paying the 200 ms poll.
    /// </summary>
    private void LetWaitingLookAgain()
    {
        if (_lookAgainPending) return;
        _lookAgainPending = true;
        _loop.After(0, () =>
        {
            _lookAgainPending = false;
            foreach (var entry in _entries.Values) entry.Supervisor?.RecheckDependencies();
        });
    }

    private static void Report(string name, string message, int errno) => new Diagnostics($"runsv {name}").Warn(message, errno);

    /// <summary>A supervisor has ended (after x) or failed: its resources go, and a scan soon brings it back if it is still listed.</summary>
    private void End(ServiceSupervisor supervisor, Entry? entry = null)
    {
        supervisor.Dispose();
        _leaving.Remove(supervisor);
        if (entry is not null && entry.Supervisor == supervisor)
        {
            // Back at a scan a second from now: runit's runsvdir restarts an exited runsv at once,
            // but a pause lets `sv -w exit` see the supervisor gone, and bounds a failing one to a try a second.
            entry.Supervisor = null;
            entry.LastStartMs = _loop.Now;
            if (!_stopping) _scanner.ScanIn(RestartDelayMs);
        }
        if (_stopping && Supervising == 0) Stopped?.Invoke();
    }

    /// <summary>
    /// Every service told <c>x</c> (stopped, then its logger), no more scans; <see cref="Stopped"/>
    /// once all have ended. What a runsvdir's TERM to each runsv does, for the engine's own SIGTERM
    /// and SIGHUP: here the supervisors are not separate processes that could carry on.
    /// </summary>
    public void StopAll()
    {
        _stopping = true;
        _scanner.Stop();
        var all = _entries.Values.Select(e => e.Supervisor).OfType<ServiceSupervisor>().Concat(_leaving).ToList();
        if (all.Count == 0) { Stopped?.Invoke(); return; }
        foreach (var supervisor in all) supervisor.StoppingAll = true;
        foreach (var supervisor in all)
        {
            // One still waiting for its logger's lock has nothing running yet: it just goes.
            if (supervisor.Started) supervisor.Exit();
            else End(supervisor, _entries.Values.FirstOrDefault(e => e.Supervisor == supervisor));
        }
    }

    /// <summary>Every supervisor's descriptors, for a successor (<see cref="Handover"/>); the engine itself then just exits.</summary>
    public List<(string Name, HandoverRecord Record)> HandOver()
    {
        _stopping = true;
        _scanner.Stop();
        var list = new List<(string, HandoverRecord)>();
        foreach (var entry in _entries.Values)
            if (entry.Supervisor?.Handover() is { } record) list.Add((entry.Name, record));
        foreach (var leaving in _leaving)
            if (leaving.Handover() is { } record) list.Add((leaving.Name, record));
        return list;
    }

    /// <summary>
    /// As a successor: carries on every supervisor handed over, scans nothing, restarts no
    /// supervisor that ends, and raises <see cref="Stopped"/> once the last has ended (after x).
    /// </summary>
    public void Resume(IEnumerable<(string Name, HandoverRecord Record)> handedOver)
    {
        _stopping = true;
        foreach (var (name, record) in handedOver)
        {
            var supervisor = NewSupervisor(record.Directory, name, new Diagnostics($"runsv {name}"));
            _leaving.Add(supervisor);
            supervisor.Finished = () => End(supervisor);
            supervisor.Failed = e => { Report(name, e.Message, e.Errno); End(supervisor); };
            supervisor.Resume(record);
        }
        if (Supervising == 0) Stopped?.Invoke();
    }

    public void Dispose()
    {
        foreach (var entry in _entries.Values) entry.Supervisor?.Dispose();
        foreach (var supervisor in _leaving) supervisor.Dispose();
        _scanner.Dispose();
        _cgroups?.Close();
    }
}
