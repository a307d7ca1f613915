using System.Text;
using Tmds.Linux;
using static Init.Interop.Consts;
using T = Tmds.Linux.LibC;

namespace Init.Interop;

// Files named relative to a directory descriptor (the *at family): what a root supervisor uses in a
// directory someone else can write, where a path walked anew each time could be swapped for a symlink.
public static unsafe partial class Sys
{
    /// <summary>openat(2), O_CLOEXEC always, EINTR retried.</summary>
    public static int OpenAt(int dirFd, string name, int flags, int mode = 0)
    {
        Span<byte> p = Utf8Z(name, stackalloc byte[256]);
        fixed (byte* pp = p)
        {
            while (true)
            {
                int fd = T.openat(dirFd, pp, flags | O_CLOEXEC, (ushort)mode);
                if (fd >= 0) return fd;
                int e = TmdsErrno;
                if (e != EINTR) return Fail(e);
            }
        }
    }

    /// <summary>
    /// The names in the directory <paramref name="dirFd"/> (read from its current offset, "." and ".."
    /// left out), by getdents64(2): one call for a small directory. Null on an error (<see cref="Errno"/>).
    /// </summary>
    public static List<string>? DirectoryNames(int dirFd)
    {
        var names = new List<string>();
        byte* buffer = stackalloc byte[4096];
        while (true)
        {
            nint n = Libc.getdents64(dirFd, buffer, 4096);
            if (n == 0) return names;
            if (n < 0)
            {
                if (LastError == EINTR) continue;
                Fail(LastError);
                return null;
            }
            // struct linux_dirent64: u64 d_ino, s64 d_off, u16 d_reclen, u8 d_type, char d_name[] (NUL-terminated).
            for (nint at = 0; at < n;)
            {
                byte* entry = buffer + at;
                ushort length = *(ushort*)(entry + 16);
                var name = new ReadOnlySpan<byte>(entry + 19, length - 19);
                name = name[..name.IndexOf((byte)0)];
                if (!name.SequenceEqual("."u8) && !name.SequenceEqual(".."u8)) names.Add(Encoding.UTF8.GetString(name));
                at += length;
            }
        }
    }

    /// <summary>fstatat(2); <paramref name="follow"/> false looks at a symlink itself (AT_SYMLINK_NOFOLLOW).</summary>
    public static int StatAt(int dirFd, string name, out FileStat info, bool follow = false)
    {
        Span<byte> p = Utf8Z(name, stackalloc byte[256]);
        stat st;
        fixed (byte* pp = p)
        {
            if (Libc.fstatat(dirFd, pp, &st, follow ? 0 : AT_SYMLINK_NOFOLLOW) != 0) { info = default; return Fail(LastError); }
        }
        info = FileStat.From(st);
        return 0;
    }

    /// <summary>fstat(2) of an open descriptor (an O_PATH one included).</summary>
    public static int Fstat(int fd, out FileStat info)
    {
        byte empty = 0;
        stat st;
        if (Libc.fstatat(fd, &empty, &st, AT_EMPTY_PATH) != 0) { info = default; return Fail(LastError); }
        info = FileStat.From(st);
        return 0;
    }

    /// <summary>
    /// The target of the symlink <paramref name="linkFd"/> (opened O_PATH | O_NOFOLLOW) refers to:
    /// exactly that link, whatever now has its name. Null with <see cref="Errno"/> on failure.
    /// </summary>
    public static string? ReadlinkFd(int linkFd)
    {
        byte empty = 0;
        byte* buf = stackalloc byte[4096];
        long n = T.readlinkat(linkFd, &empty, buf, 4096);
        if (n < 0) { Fail(TmdsErrno); return null; }
        return Encoding.UTF8.GetString(buf, (int)n);
    }

    public static int MkdirAt(int dirFd, string name, int mode)
    {
        Span<byte> p = Utf8Z(name, stackalloc byte[256]);
        fixed (byte* pp = p) return T.mkdirat(dirFd, pp, (ushort)mode) == 0 ? 0 : Fail(TmdsErrno);
    }

    public static int MkfifoAt(int dirFd, string name, int mode)
    {
        Span<byte> p = Utf8Z(name, stackalloc byte[256]);
        fixed (byte* pp = p) return T.mkfifoat(dirFd, pp, (ushort)mode) == 0 ? 0 : Fail(TmdsErrno);
    }

    /// <summary>unlinkat(2) of a file (a symlink itself, never its target).</summary>
    public static int UnlinkAt(int dirFd, string name)
    {
        Span<byte> p = Utf8Z(name, stackalloc byte[256]);
        fixed (byte* pp = p) return T.unlinkat(dirFd, pp, 0) == 0 ? 0 : Fail(TmdsErrno);
    }

    /// <summary>renameat(2) within one directory: replaces the entry <paramref name="to"/>, never what a symlink there points to.</summary>
    public static int RenameAt(int dirFd, string from, string to)
    {
        Span<byte> a = Utf8Z(from, stackalloc byte[256]);
        Span<byte> b = Utf8Z(to, stackalloc byte[256]);
        fixed (byte* pa = a) fixed (byte* pb = b)
            return Libc.renameat(dirFd, pa, dirFd, pb) == 0 ? 0 : Fail(LastError);
    }

    /// <summary>
    /// renameat2(2) with RENAME_EXCHANGE within one directory: the two entries swap, atomically (each
    /// name always names a file). Fails with ENOENT when either is missing, EINVAL where the file
    /// system cannot exchange.
    /// </summary>
    public static int ExchangeAt(int dirFd, string a, string b)
    {
        const uint RENAME_EXCHANGE = 2;
        Span<byte> pa = Utf8Z(a, stackalloc byte[256]);
        Span<byte> pb = Utf8Z(b, stackalloc byte[256]);
        fixed (byte* x = pa) fixed (byte* y = pb)
            return Libc.renameat2(dirFd, x, dirFd, y, RENAME_EXCHANGE) == 0 ? 0 : Fail(LastError);
    }

    /// <summary>
    /// Creates <paramref name="name"/> afresh for writing: whatever has the name now (a symlink or a
    /// hard link planted there included) is unlinked, then O_CREAT | O_EXCL, which never follows a link.
    /// </summary>
    public static int CreateNewAt(int dirFd, string name, int mode, int flags = O_WRONLY)
    {
        if (UnlinkAt(dirFd, name) < 0 && _errno != ENOENT) return -1;
        return OpenAt(dirFd, name, flags | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK, mode);
    }

    /// <summary>chmod of a file in <paramref name="dirFd"/>, never through a symlink (fchmodat cannot refuse one).</summary>
    public static int ChmodAt(int dirFd, string name, int mode)
    {
        int fd = OpenAt(dirFd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0) return -1;
        int r = Fchmod(fd, mode);
        int errno = _errno;
        Close(fd);
        if (r < 0) _errno = errno;
        return r;
    }

    /// <summary>As <see cref="ReadFile"/>, for a file in <paramref name="dirFd"/>: never through a symlink, never blocking on a FIFO.</summary>
    public static int ReadFileAt(int dirFd, string name, Span<byte> buffer)
    {
        int fd = OpenAt(dirFd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
        return fd < 0 ? -1 : ReadAndClose(fd, buffer);
    }
}
