using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Supervision;

/// <summary>
/// The runsv processes of one scanned directory, keyed by the (device, inode) of each service
/// directory as runit's runsvdir keys them (so a rename or a second link does not start a second
/// runsv), without runit's limit of 1000. Scans at start, on every inotify event, and every 5 s;
/// a runsv that exits is restarted at the next scan but never sooner than 1 s after its last start.
/// </summary>
public sealed class RunsvSet : IDisposable
{
    public const long RestartDelayMs = 1000;   // a broken service dir costs one runsv start a second

    private sealed class Entry(string name)
    {
        public string Name = name;
        public int Pid;
        public long LastStartMs = long.MinValue / 2;
        public bool Gone;
    }

    private readonly Dictionary<(ulong, ulong, string?), Entry> _entries = [];
    private readonly EventLoop _loop;
    private readonly string _directory;
    private readonly string _runsv;
    private readonly bool _newSession;
    private readonly Action<string, string, int> _warn;
    private readonly DirectoryScanner _scanner;

    /// <param name="runsv">The program started as "runsv NAME" in <paramref name="directory"/>.</param>
    /// <param name="newSession">-P: each runsv in a session (and process group) of its own.</param>
    public RunsvSet(EventLoop loop, string directory, string runsv, bool newSession, Action<string, string, int> warn)
    {
        _loop = loop;
        _directory = directory;
        _runsv = runsv;
        _newSession = newSession;
        _warn = warn;
        _scanner = new DirectoryScanner(loop, directory, warn, Apply);
    }

    public IEnumerable<int> Pids => _entries.Values.Where(e => e.Pid != 0).Select(e => e.Pid);

    /// <summary>Reads the directory and brings the set of runsv processes in line with it.</summary>
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
            if (entry.Pid != 0) continue;
            long notBefore = entry.LastStartMs + RestartDelayMs;
            if (now >= notBefore) Start(entry, now);
            else next = Math.Min(next, notBefore - now);
        }
        foreach (var (key, entry) in _entries.Where(kv => !seen.Contains(kv.Key)).ToList())
        {
            // Removed: TERM (runsv takes it as `x`) and forget it, as runit's runsvdir.
            if (entry.Pid != 0) Sys.Kill(entry.Pid, SIGTERM);
            entry.Gone = true;
            _entries.Remove(key);
        }
        return next;
    }

    private void Start(Entry entry, long now)
    {
        entry.LastStartMs = now;
        var request = new SpawnRequest
        {
            Path = _runsv,
            Arguments = ["runsv", entry.Name],
            WorkingDirectory = _directory,
            NewSession = _newSession,
        };
        int rc = Spawner.Spawn(request, out int pid);
        if (rc != 0)
        {
            _warn("unable to start runsv ", entry.Name, rc);
            return;
        }
        entry.Pid = pid;
        _loop.WatchChild(pid, _ => Exited(entry, pid));
    }

    private void Exited(Entry entry, int pid)
    {
        if (entry.Pid != pid) return;
        entry.Pid = 0;
        if (!entry.Gone) _scanner.ScanIn(Math.Max(0, entry.LastStartMs + RestartDelayMs - _loop.Now));
    }

    /// <summary>SIGHUP: TERM to every runsv (runit's runsvdir then exits without waiting).</summary>
    public void TerminateAll()
    {
        foreach (int pid in Pids) Sys.Kill(pid, SIGTERM);
    }

    public void Dispose() => _scanner.Dispose();
}
