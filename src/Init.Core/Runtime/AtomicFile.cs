using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Runtime;

/// <summary>
/// A small file replaced whole, by path: written to <c>PATH.new</c> (unlinked first, then created
/// O_EXCL, never through a link) and renamed over PATH, so a reader sees the old text or the new,
/// never half. For files in a directory only root writes (/run/init); supervise/ has its own,
/// descriptor-relative rules (SuperviseDirectory).
/// </summary>
public static class AtomicFile
{
    /// <summary>0, or the errno of the step that failed (the temporary file is then removed).</summary>
    public static int Replace(string path, ReadOnlySpan<byte> content)
    {
        string temp = path + ".new";
        if (Sys.Unlink(temp) < 0 && Sys.Errno != ENOENT) return Sys.Errno;
        int fd = Sys.Open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK, 0x1A4 /* 0644 */);
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
