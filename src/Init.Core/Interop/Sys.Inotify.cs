using static Init.Interop.Consts;

namespace Init.Interop;

// inotify: a directory's "something changed" wake-up.
public static unsafe partial class Sys
{
    /// <summary>An inotify instance (non-blocking, close-on-exec), or -1.</summary>
    public static int InotifyInit()
    {
        int fd = Libc.inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
        return fd >= 0 ? fd : Fail(LastError);
    }

    /// <summary>The watch descriptor for <paramref name="path"/> (the same one when it is watched already), or -1.</summary>
    public static int InotifyAddWatch(int fd, string path, uint mask)
    {
        Span<byte> p = Utf8Z(path, stackalloc byte[512]);
        fixed (byte* pp = p)
        {
            int wd = Libc.inotify_add_watch(fd, pp, mask);
            return wd >= 0 ? wd : Fail(LastError);
        }
    }

    public static int InotifyRmWatch(int fd, int wd) => Result(Libc.inotify_rm_watch(fd, wd));
}
