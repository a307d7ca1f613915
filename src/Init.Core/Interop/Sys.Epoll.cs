using Tmds.Linux;
using static Init.Interop.Consts;
using T = Tmds.Linux.LibC;

namespace Init.Interop;

// epoll: the event loop's one wait.
public static unsafe partial class Sys
{
    /// <summary>A close-on-exec epoll instance, or -1.</summary>
    public static int EpollCreate()
    {
        int fd = T.epoll_create1(O_CLOEXEC);
        return fd >= 0 ? fd : Fail(TmdsErrno);
    }

    /// <summary>Reports <paramref name="fd"/> readable (level-triggered) with the fd as the event's data; a watched fd is modified.</summary>
    public static int EpollWatchReadable(int epoll, int fd)
    {
        epoll_event ev = default;
        ev.events = T.EPOLLIN;
        ev.data.fd = fd;
        if (T.epoll_ctl(epoll, T.EPOLL_CTL_ADD, fd, &ev) == 0) return 0;
        if (TmdsErrno != EEXIST) return Fail(TmdsErrno);
        return T.epoll_ctl(epoll, T.EPOLL_CTL_MOD, fd, &ev) == 0 ? 0 : Fail(TmdsErrno);
    }

    public static int EpollRemove(int epoll, int fd) => T.epoll_ctl(epoll, T.EPOLL_CTL_DEL, fd, null) == 0 ? 0 : Fail(TmdsErrno);

    /// <summary>
    /// epoll_wait(2): the number of events, or -1. EINTR is returned, not retried: after a signal
    /// the caller's timeout is stale and it works out the next one itself.
    /// </summary>
    public static int EpollWait(int epoll, epoll_event* events, int max, int timeoutMs)
    {
        int n = T.epoll_wait(epoll, events, max, timeoutMs);
        return n >= 0 ? n : Fail(TmdsErrno);
    }
}
