using System.Text;
using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Logging;

/// <summary>
/// One log directory as runit's svlogd keeps it: lock, config, <c>current</c> (0644 while open,
/// 0744 when complete), rotation to <c>@tai64n.s</c>/<c>.u</c>, pruning, the processor. Lines are
/// planned into an <see cref="OutputQueue"/>; <see cref="Drain"/> writes them and performs the
/// rotations, and on any failure stops where it is ("pausing") to be called again later, so
/// nothing is dropped and the caller stops reading input meanwhile (back-pressure).
/// <para>
/// The directory may belong to someone other than svlogd's user: it is held by a descriptor and
/// its files are never opened through a symlink (<c>current</c>, <c>lock</c>, <c>state</c>, the
/// archives), <c>newstate</c> and <c>.t</c> are created afresh, and <c>config</c> is followed only
/// when root or svlogd's user owns the link (<see cref="TrustedLinks"/>).
/// </para>
/// </summary>
public sealed partial class LogDirectory(string name, LogReporter report, EventLoop loop)
{
    private const int ModeOpen = 0x1A4 /* 0644 */, ModeDone = 0x1E4 /* 0744 */, ModeLock = 0x180 /* 0600 */;
    private const int AppendFlags = O_WRONLY | O_NONBLOCK | O_APPEND | O_CREAT;

    private readonly OutputQueue _queue = new();
    private int _fdCurrent = -1, _fdLock = -1, _fdDir = -1;
    private ulong _plannedSize;          // size of current once the queue is written
    private ulong _writtenSize;          // size of current on disk
    private RotationStep _step = RotationStep.None;
    private string? _saved;              // the archive name of the last rotation (runit's fnsave)

    public string Name { get; } = name;
    public LogConfig Config { get; private set; } = new();
    public bool IsOpen => _fdCurrent >= 0;
    /// <summary>Monotonic ms at which the <c>t</c> timeout rotates current next; 0 = none.</summary>
    public long RotateDue { get; set; }
    /// <summary>Called when a stalled directory may make progress again (a processor finished).</summary>
    public Action? Wake { get; set; }

    /// <summary>Opens (or reopens after SIGHUP) the directory; false after a warning if it is unusable.</summary>
    public bool Open()
    {
        // Kept past Close (a processor may still finish after a SIGHUP), replaced here.
        if (_fdDir >= 0) Sys.Close(_fdDir);
        _fdDir = Sys.Open(Name, O_RDONLY | O_DIRECTORY);
        if (_fdDir < 0)
        {
            report.Warn("unable to open log directory", Name, Sys.Errno);
            return false;
        }
        _fdLock = Sys.OpenAt(_fdDir, "lock", AppendFlags | O_NOFOLLOW, ModeLock);
        if (_fdLock < 0 || Sys.Flock(_fdLock, LOCK_EX | LOCK_NB) < 0)
        {
            int e = Sys.Errno;
            CloseLock();
            report.Warn("unable to lock directory", Name, e);
            return false;
        }
        Config = ReadConfig();
        _plannedSize = 0;
        bool appended = false;
        if (Sys.StatAt(_fdDir, "current", out var cur) == 0)
        {
            if (!cur.IsRegular)
            {
                report.WarnX("unable to open current", $"{Name}/current is {(cur.IsSymlink ? "a symlink" : "not a regular file")}: refusing to follow it");
                CloseLock();
                return false;
            }
            if (cur.Size > 0 && !cur.IsOwnerExecutable)
            {
                // Not marked complete: svlogd died. Keep it as an unprocessed archive.
                string saved = LogFiles.NewArchiveName(_fdDir, 'u');
                Sys.RenameAt(_fdDir, "current", saved);
                LogFiles.RemoveOldest(Name, _fdDir, Config.NumMax, null, report);
            }
            else { _plannedSize = (ulong)cur.Size; appended = true; }
        }
        else if (Sys.Errno != ENOENT)
        {
            report.Warn("unable to stat current", Name, Sys.Errno);
            CloseLock();
            return false;
        }
        _writtenSize = _plannedSize;
        _fdCurrent = Sys.OpenAt(_fdDir, "current", AppendFlags | O_NOFOLLOW, ModeOpen);
        // Appended to and chmod-ed: only a file of this directory alone, not one hard-linked from elsewhere.
        if (_fdCurrent >= 0 && (Sys.Fstat(_fdCurrent, out var opened) < 0 || !opened.IsRegular || opened.Links != 1))
        {
            Sys.Close(_fdCurrent);
            _fdCurrent = -1;
            report.WarnX("unable to open current", $"{Name}/current has other links: refusing to write to it");
            CloseLock();
            return false;
        }
        if (_fdCurrent < 0)
        {
            report.Warn("unable to open current", Name, Sys.Errno);
            CloseLock();
            return false;
        }
        Sys.Fchmod(_fdCurrent, ModeOpen);
        RotateDue = Config.Timeout > 0 ? loop.Now + (long)Config.Timeout * 1000 : 0;
        report.Info(appended ? $"append: {Name}/current" : $"new: {Name}/current");
        return true;
    }

    private LogConfig ReadConfig()
    {
        int fd = TrustedLinks.OpenAt(_fdDir, "config", O_RDONLY | O_NONBLOCK, out uint linkOwner);
        if (fd == TrustedLinks.Refused)
        {
            report.WarnX("unable to read config", $"{Name}/{TrustedLinks.RefusalMessage("config", linkOwner)}");
            return new LogConfig();
        }
        if (fd < 0 && Sys.Errno == ENOENT) return new LogConfig();
        byte[]? text = fd < 0 ? null : ReadAll(fd);
        if (text is null)
        {
            report.Warn("unable to read config", Name, Sys.Errno);
            return new LogConfig();
        }
        report.Info($"read: {Name}/config");
        var config = LogConfig.Parse(text);
        foreach (var w in config.Warnings) Output.Err($"svlogd: warning: {w}\n");
        return config;
    }

    private static byte[]? ReadAll(int fd)
    {
        var text = new List<byte>();
        Span<byte> buffer = stackalloc byte[4096];
        int n;
        while ((n = Sys.Read(fd, buffer)) > 0) text.AddRange(buffer[..n]);
        Sys.Close(fd);
        return n < 0 ? null : text.ToArray();
    }

    // ---- planning -----------------------------------------------------------------------

    /// <summary>Plans <paramref name="data"/> (part of a line, no newline) into current, splitting at the size limit as runit's write does.</summary>
    public void Put(ReadOnlySpan<byte> data)
    {
        ulong max = Config.SizeMax;
        while (!data.IsEmpty)
        {
            if (max > 0 && _plannedSize >= max) PlanRotation();
            int n = data.Length;
            if (max > 0 && (ulong)n > max - _plannedSize) n = (int)(max - _plannedSize);
            _queue.Append(data[..n]);
            _plannedSize += (ulong)n;
            data = data[n..];
        }
    }

    /// <summary>Ends the line; rotates when current is within one line length of the size limit.</summary>
    public void EndLine(ulong lineMax)
    {
        ulong max = Config.SizeMax;
        if (max > 0 && _plannedSize >= max) PlanRotation();
        _queue.Append((byte)'\n');
        _plannedSize++;
        // Unsigned as in runit: a limit at or below the line length rotates after every line.
        if (max > 0 && _plannedSize >= unchecked(max - lineMax)) PlanRotation();
    }

    /// <summary>Rotation asked for by SIGALRM or the timeout: only a non-empty current.</summary>
    public void RequestRotation()
    {
        if (_plannedSize > 0) PlanRotation();
    }

    private void PlanRotation()
    {
        if (_plannedSize == 0) return;
        _queue.MarkRotation();
        _plannedSize = 0;
    }

    // ---- writing ------------------------------------------------------------------------

    /// <summary>
    /// Writes what is planned and performs the rotations. True when all is done; false when it
    /// paused (reported) and must be called again (after the retry pause, or <see cref="Wake"/>).
    /// </summary>
    public bool Drain()
    {
        while (true)
        {
            if (_step != RotationStep.None)
            {
                if (!Rotate()) return false;
                continue;
            }
            var chunk = _queue.NextChunk();
            while (!chunk.IsEmpty)
            {
                int n = Sys.Write(_fdCurrent, chunk);
                if (n < 0)
                {
                    int e = Sys.Errno;
                    if (e == ENOSPC && Config.NumMin < Config.NumMax && LogFiles.FreeSpace(Name, _fdDir, Config.NumMin, report)) continue;
                    report.Pause("unable to write to current", Name, e);
                    return false;
                }
                _queue.Advance(n);
                _writtenSize += (ulong)n;
                chunk = chunk[n..];
            }
            if (_queue.TakeRotation()) { _step = RotationStep.WaitProcessor; continue; }
            _queue.Compact();
            return true;
        }
    }

    /// <summary>Makes everything written durable and marks current complete (0744): clean shutdown or SIGHUP.</summary>
    public void Close()
    {
        if (_fdCurrent >= 0)
        {
            report.Info($"close: {Name}");
            Sys.Fsync(_fdCurrent);
            Sys.Fchmod(_fdCurrent, ModeDone);
            Sys.Close(_fdCurrent);
            _fdCurrent = -1;
        }
        CloseLock();
    }

    private void CloseLock()
    {
        if (_fdLock >= 0) Sys.Close(_fdLock);
        _fdLock = -1;
    }

    internal static string Text(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);
}
