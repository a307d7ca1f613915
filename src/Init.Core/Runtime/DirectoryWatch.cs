using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Runtime;

/// <summary>
/// "Something changed in this directory" through inotify: entries created, deleted, moved in or
/// out, or their attributes changed. Events are only a wake-up; the owner re-reads the directory,
/// so overflowed or coalesced events lose nothing.
/// </summary>
public sealed class DirectoryWatch : IDisposable
{
    private const uint Mask = IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;

    private readonly int _fd;
    private int _wd = -1;

    /// <summary>-1 when inotify is not available (the owner falls back to its periodic scan).</summary>
    public int Fd => _fd;

    public DirectoryWatch()
    {
        _fd = Sys.InotifyInit();
    }

    /// <summary>Watches <paramref name="path"/> (again, e.g. after it was replaced); 0 or an errno.</summary>
    public int Add(string path)
    {
        if (_fd < 0) return ENOSYS;
        int wd = Sys.InotifyAddWatch(_fd, path, Mask);
        if (wd < 0) return Sys.Errno;
        // The old watch may be gone with the directory it watched (EINVAL): nothing left to remove then.
        if (_wd >= 0 && _wd != wd) Sys.InotifyRmWatch(_fd, _wd);
        _wd = wd;
        return 0;
    }

    /// <summary>
    /// Reads every pending event; true when one of them changes the directory's list of entries
    /// (or the directory itself). A changed attribute of an entry is not such a change: a
    /// supervisor creating supervise/ inside a service directory raises its link count, and
    /// rescanning for each of those would make starting n services cost n scans.
    /// </summary>
    public bool Drain()
    {
        Span<byte> buffer = stackalloc byte[4096];
        bool relevant = false;
        int n;
        while ((n = Sys.Read(_fd, buffer)) > 0)
        {
            // struct inotify_event: int wd; uint32 mask, cookie, len; char name[len].
            for (int at = 0; at + 16 <= n; )
            {
                uint mask = BitConverter.ToUInt32(buffer[(at + 4)..]);
                uint length = BitConverter.ToUInt32(buffer[(at + 12)..]);
                if ((mask & ~IN_ISDIR) != IN_ATTRIB || length == 0) relevant = true;
                at += 16 + (int)length;
            }
        }
        return relevant;
    }

    public void Dispose()
    {
        if (_fd >= 0) Sys.Close(_fd);
    }
}
