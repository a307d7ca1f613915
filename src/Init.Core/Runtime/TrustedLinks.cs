using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Runtime;

/// <summary>
/// The one rule for symlinks in directories someone else may own (a service directory chowned to
/// its user, a log directory): a link is followed only when root or we ourselves own it, so a root
/// supervisor never writes where a planted link points. runit's documented
/// <c>supervise -&gt; /run/…</c> keeps working because root sets it up. The link is read through a
/// descriptor of the link itself, so what is checked is what is followed.
/// </summary>
public static class TrustedLinks
{
    /// <summary>Returned (with the link's owner) when a link was found but not followed.</summary>
    public const int Refused = -2;

    public static bool IsTrusted(uint uid) => uid == 0 || uid == Sys.GetEuid();

    /// <summary>
    /// openat(<paramref name="dirFd"/>, <paramref name="name"/>, <paramref name="flags"/>), following
    /// a symlink only by the rule above: the fd; -1 with <see cref="Sys.Errno"/>; or
    /// <see cref="Refused"/> with the link's owner in <paramref name="linkOwner"/>.
    /// </summary>
    public static int OpenAt(int dirFd, string name, int flags, out uint linkOwner) => OpenAt(dirFd, name, flags, false, out linkOwner);

    /// <summary>
    /// Opens the directory <paramref name="name"/>, creating it (0700) when it is missing; a trusted
    /// symlink to nowhere gets its target created, as runit's runsv does for supervise on tmpfs.
    /// </summary>
    public static int OpenOrCreateDirectory(int dirFd, string name, out uint linkOwner) =>
        OpenAt(dirFd, name, O_RDONLY | O_DIRECTORY, true, out linkOwner);

    private static int OpenAt(int dirFd, string name, int flags, bool createDirectory, out uint linkOwner)
    {
        linkOwner = 0;
        int fd = Sys.OpenAt(dirFd, name, flags | O_NOFOLLOW);
        if (fd < 0 && Sys.Errno == ENOENT && createDirectory && (Sys.MkdirAt(dirFd, name, 0x1C0 /* 0700 */) == 0 || Sys.Errno == EEXIST))
            fd = Sys.OpenAt(dirFd, name, flags | O_NOFOLLOW);
        if (fd >= 0 || Sys.Errno is not (ELOOP or ENOTDIR)) return fd;

        // Not followed above: a symlink (or not a directory at all, which the O_PATH look tells apart).
        int link = Sys.OpenAt(dirFd, name, O_PATH | O_NOFOLLOW);
        if (link < 0) return -1;
        string? target = Sys.Fstat(link, out var st) == 0 && st.IsSymlink ? Sys.ReadlinkFd(link) : null;
        Sys.Close(link);
        if (target is null) return Sys.OpenAt(dirFd, name, flags | O_NOFOLLOW);   // the errno of what it is
        if (!IsTrusted(st.Uid)) { linkOwner = st.Uid; return Refused; }
        // The target as read from the checked link, relative to the link's directory like the kernel's walk.
        fd = Sys.OpenAt(dirFd, target, flags);
        if (fd < 0 && Sys.Errno == ENOENT && createDirectory && (Sys.MkdirAt(dirFd, target, 0x1C0) == 0 || Sys.Errno == EEXIST))
            fd = Sys.OpenAt(dirFd, target, flags);
        return fd;
    }

    /// <summary>The message for a refused link, in one wording everywhere: "supervise is a symlink owned by uid 1000: refusing to follow it".</summary>
    public static string RefusalMessage(string what, uint owner) => $"{what} is a symlink owned by uid {owner}: refusing to follow it";
}
