using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Runtime;

/// <summary>
/// A small file replaced whole, by path: written to <c>PATH.new</c> (created O_EXCL, so never
/// through a link; one already there is unlinked first) and renamed over PATH, so a reader sees
/// the old text or the new, never half. For files in a directory only root writes (/run/init);
/// supervise/ has its own, descriptor-relative rules (SuperviseDirectory).
/// </summary>
public static class AtomicFile
{
    /// <summary>0, or the errno of the step that failed (the temporary file is then removed).</summary>
    public static int Replace(string path, ReadOnlySpan<byte> content)
    {
        string temp = path + ".new";
        const int flags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK;
        int fd = Sys.Open(temp, flags, 0x1A4 /* 0644 */);
        // One left by a writer that died between its create and its rename: removed, then made afresh.
        if (fd < 0 && Sys.Errno == EEXIST && Sys.Unlink(temp) == 0) fd = Sys.Open(temp, flags, 0x1A4);
        if (fd < 0) return Sys.Errno;
        int written = Sys.WriteAll(fd, content);
        int errno = Sys.Errno;
        Sys.Close(fd);
        if (written >= 0 && Sys.Rename(temp, path) == 0) return 0;
        if (written >= 0) errno = Sys.Errno;
        Sys.Unlink(temp);
        return errno;
    }
}
