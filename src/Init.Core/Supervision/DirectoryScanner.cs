using Init.Interop;
using Init.Runtime;

namespace Init.Supervision;

/// <summary>
/// When and what runsvdir scans, for both of its ways to supervise (the engine and a runsv per
/// service): at once, on inotify events in the directory, at least every 5 s, and a second after a
/// directory that could not be read. Each scan hands the services found, one per (device, inode) as
/// runit keys them, to the owner, which answers how soon it needs the next scan.
/// </summary>
public sealed class DirectoryScanner : IDisposable
{
    public const long ScanIntervalMs = 5000;   // runit: "at least every five seconds"
    public const long RetryMs = 1000;          // an unreadable directory: tried again a second later

    private readonly EventLoop _loop;
    private readonly string _directory;
    private readonly Action<string, string, int> _warn;
    private readonly Func<IReadOnlyList<FoundService>, long> _apply;
    private readonly DirectoryWatch _watch = new();
    private (ulong, ulong) _watched;
    private EventLoop.Timer? _timer;
    private long _timerDue = long.MaxValue;
    private bool _stopped;

    /// <param name="warn">runsvdir's warnings ("unable to open directory ", path, errno).</param>
    /// <param name="apply">Brings the owner in line with the services found; returns the ms until it needs another scan.</param>
    public DirectoryScanner(EventLoop loop, string directory, Action<string, string, int> warn, Func<IReadOnlyList<FoundService>, long> apply)
    {
        _loop = loop;
        _directory = directory;
        _warn = warn;
        _apply = apply;
        if (_watch.Fd >= 0) _loop.Watch(_watch.Fd, () => { if (_watch.Drain()) Scan(); });
    }

    /// <summary>Reads the directory now (re-watching it if it was replaced) and hands over what it found.</summary>
    public void Scan()
    {
        if (_stopped) return;
        _timer?.Cancel();
        _timer = null;
        _timerDue = long.MaxValue;
        if (Sys.Stat(_directory, out var dir) < 0)
        {
            _warn("unable to stat ", _directory, Sys.Errno);
            ScanIn(ScanIntervalMs);
            return;
        }
        if ((dir.Device, dir.Inode) != _watched && _watch.Add(_directory) == 0) _watched = (dir.Device, dir.Inode);
        var found = ServiceScan.Read(_directory, _warn);
        if (found is null)
        {
            ScanIn(RetryMs);
            return;
        }
        // A second link to a service directory is the same service.
        var seen = new HashSet<(ulong, ulong, string?)>();
        var distinct = found.Where(s => seen.Add(s.Key)).ToList();
        ScanIn(Math.Min(ScanIntervalMs, _apply(distinct)));
    }

    /// <summary>A scan at most <paramref name="delayMs"/> from now (an earlier one already due stays).</summary>
    public void ScanIn(long delayMs)
    {
        if (_stopped) return;
        long due = _loop.Now + delayMs;
        if (_timer is not null && _timerDue <= due) return;
        _timer?.Cancel();
        _timerDue = due;
        _timer = _loop.After(delayMs, Scan);
    }

    /// <summary>No more scans.</summary>
    public void Stop()
    {
        _stopped = true;
        _timer?.Cancel();
    }

    public void Dispose() => _watch.Dispose();
}
