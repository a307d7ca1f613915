using System.Text;
using Tmds.Linux;
using static Init.Interop.Consts;
using T = Tmds.Linux.LibC;

namespace Init.Interop;

// Files, directories and descriptors.
public static unsafe partial class Sys
{
    public static int Open(string path, int flags, int mode = 0)
    {
        Span<byte> p = Utf8Z(path, stackalloc byte[512]);
        fixed (byte* pp = p)
        {
            int fd;
            do fd = T.open(pp, flags | O_CLOEXEC, (ushort)mode);
            while (Interrupted(fd, TmdsErrno));
            return fd;
        }
    }

    public static int Close(int fd) => T.close(fd) == 0 ? 0 : Fail(TmdsErrno);

    public static int Read(int fd, Span<byte> buffer)
    {
        fixed (byte* b = buffer)
        {
            long n;
            do n = T.read(fd, b, buffer.Length);
            while (Interrupted(n, TmdsErrno));
            return (int)n;
        }
    }

    /// <summary>
    /// One read of a small file (a /proc entry, supervise/status) into <paramref name="buffer"/>:
    /// the byte count, or -1 with <see cref="Errno"/> from the open or the read.
    /// </summary>
    /// <param name="flags">Added to O_RDONLY: O_NONBLOCK | O_NOFOLLOW where a FIFO or a link planted there must not stall or redirect the reader.</param>
    public static int ReadFile(string path, Span<byte> buffer, int flags = 0)
    {
        int fd = Open(path, O_RDONLY | flags);
        return fd < 0 ? -1 : ReadAndClose(fd, buffer);
    }

    private static int ReadAndClose(int fd, Span<byte> buffer)
    {
        int n = Read(fd, buffer);
        int errno = _errno;
        Close(fd);
        if (n < 0) _errno = errno;
        return n;
    }

    public static int Write(int fd, ReadOnlySpan<byte> data)
    {
        fixed (byte* b = data)
        {
            long n;
            do n = T.write(fd, b, data.Length);
            while (Interrupted(n, TmdsErrno));
            return (int)n;
        }
    }

    /// <summary>Writes everything or fails; short writes are continued.</summary>
    public static int WriteAll(int fd, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            int n = Write(fd, data);
            if (n < 0) return -1;
            data = data[n..];
        }
        return 0;
    }

    public static int Pipe(out int readEnd, out int writeEnd, bool nonBlocking = false)
    {
        int* fds = stackalloc int[2];
        int r = T.pipe2(fds, O_CLOEXEC | (nonBlocking ? O_NONBLOCK : 0));
        readEnd = fds[0]; writeEnd = fds[1];
        return r == 0 ? 0 : Fail(TmdsErrno);
    }

    public static int SetNonBlocking(int fd, bool on)
    {
        int flags = T.fcntl(fd, 3 /* F_GETFL */, 0);
        if (flags < 0) return Fail(TmdsErrno);
        flags = on ? flags | O_NONBLOCK : flags & ~O_NONBLOCK;
        return T.fcntl(fd, 4 /* F_SETFL */, flags) < 0 ? Fail(TmdsErrno) : 0;
    }

    /// <summary>Clears FD_CLOEXEC so a spawned child inherits <paramref name="fd"/> at the same number.</summary>
    public static int SetCloseOnExec(int fd, bool on) =>
        T.fcntl(fd, 2 /* F_SETFD */, on ? 1 : 0) < 0 ? Fail(TmdsErrno) : 0;

    /// <summary>A copy of <paramref name="fd"/> at the lowest free number ≥ 3, close-on-exec.</summary>
    public static int Dup(int fd) => T.fcntl(fd, 1030 /* F_DUPFD_CLOEXEC */, 3) is var r && r >= 0 ? r : Fail(TmdsErrno);

    public static int Dup2(int fd, int target) => T.dup3(fd, target, 0) < 0 ? Fail(TmdsErrno) : target;

    public static int Flock(int fd, int op)
    {
        int r;
        do r = Libc.flock(fd, op);
        while (Interrupted(r, LastError));
        return r;
    }

    /// <summary>
    /// An exclusive POSIX record lock on the whole file (fcntl F_SETLKW, F_WRLCK), waiting for it:
    /// the lock glibc's utmp writers (pututline, updwtmp: login, agetty, sshd) take, which flock
    /// does not exclude.
    /// </summary>
    public static int LockRecords(int fd)
    {
        FileLock whole = new() { Type = 1 /* F_WRLCK */, Whence = 0 /* SEEK_SET */ };
        int r;
        do r = Libc.fcntl_lock(fd, 7 /* F_SETLKW */, &whole);
        while (Interrupted(r, LastError));
        return r;
    }

    public static int Ftruncate(int fd, long length)
    {
        int r;
        do r = Libc.ftruncate(fd, length);
        while (Interrupted(r, LastError));
        return r;
    }

    /// <summary>symlink(2): a link named <paramref name="linkPath"/> whose text is <paramref name="target"/>.</summary>
    public static int Symlink(string target, string linkPath)
    {
        Span<byte> a = Utf8Z(target, stackalloc byte[256]);
        Span<byte> b = Utf8Z(linkPath, stackalloc byte[256]);
        fixed (byte* pa = a) fixed (byte* pb = b)
            return Result(Libc.symlink(pa, pb));
    }

    public static int Rename(string from, string to)
    {
        Span<byte> a = Utf8Z(from, stackalloc byte[256]);
        Span<byte> b = Utf8Z(to, stackalloc byte[256]);
        fixed (byte* pa = a) fixed (byte* pb = b)
            return Libc.rename(pa, pb) == 0 ? 0 : Fail(LastError);
    }

    public static int Mkdir(string path, int mode)
    {
        Span<byte> p = Utf8Z(path, stackalloc byte[256]);
        fixed (byte* pp = p) return T.mkdir(pp, (ushort)mode) == 0 ? 0 : Fail(TmdsErrno);
    }

    /// <summary>Whether a write to <paramref name="fd"/> would not block now (poll, no wait).</summary>
    public static bool Writable(int fd)
    {
        long pollfd = (uint)fd | (4L /* POLLOUT */ << 32);   // struct pollfd: int fd, short events, short revents
        // POLLERR or POLLHUP too: the write then fails at once (EPIPE) rather than block.
        return Libc.poll(&pollfd, 1, 0) == 1 && ((pollfd >> 48) & (4 | 8 | 16)) != 0;
    }

    public static int Rmdir(string path)
    {
        Span<byte> p = Utf8Z(path, stackalloc byte[256]);
        fixed (byte* pp = p) return T.rmdir(pp) == 0 ? 0 : Fail(TmdsErrno);
    }

    /// <summary>
    /// One write of <paramref name="text"/> to an existing file (a cgroup or /proc interface file,
    /// where each write is one command): 0, or -1 with <see cref="Errno"/> from the open or the write.
    /// </summary>
    public static int WriteFile(string path, string text)
    {
        int fd = Open(path, O_WRONLY);
        if (fd < 0) return -1;
        int n = Write(fd, Encoding.UTF8.GetBytes(text));
        int errno = _errno;
        Close(fd);
        if (n >= 0) return 0;
        _errno = errno;
        return -1;
    }

    public static int Mkfifo(string path, int mode)
    {
        Span<byte> p = Utf8Z(path, stackalloc byte[256]);
        fixed (byte* pp = p) return T.mkfifo(pp, (ushort)mode) == 0 ? 0 : Fail(TmdsErrno);
    }

    public static int Unlink(string path)
    {
        Span<byte> p = Utf8Z(path, stackalloc byte[256]);
        fixed (byte* pp = p) return T.unlink(pp) == 0 ? 0 : Fail(TmdsErrno);
    }

    public static int Chdir(string path)
    {
        Span<byte> p = Utf8Z(path, stackalloc byte[256]);
        fixed (byte* pp = p) return T.chdir(pp) == 0 ? 0 : Fail(TmdsErrno);
    }

    public static int Chmod(string path, int mode)
    {
        Span<byte> p = Utf8Z(path, stackalloc byte[256]);
        fixed (byte* pp = p) return T.chmod(pp, (ushort)mode) == 0 ? 0 : Fail(TmdsErrno);
    }

    /// <summary>stat(2) (following links): 0 and the file's mode, or -1.</summary>
    public static int Stat(string path, out FileStat info)
    {
        Span<byte> p = Utf8Z(path, stackalloc byte[256]);
        stat st;
        fixed (byte* pp = p)
        {
            if (T.stat(pp, &st) != 0) { info = default; return Fail(TmdsErrno); }
        }
        info = FileStat.From(st);
        return 0;
    }

    /// <summary>lstat(2): the link itself.</summary>
    public static int Lstat(string path, out FileStat info)
    {
        Span<byte> p = Utf8Z(path, stackalloc byte[256]);
        stat st;
        fixed (byte* pp = p)
        {
            if (T.lstat(pp, &st) != 0) { info = default; return Fail(TmdsErrno); }
        }
        info = FileStat.From(st);
        return 0;
    }

    /// <summary>realpath(3): the canonical path, or null with <see cref="Errno"/>.</summary>
    public static string? RealPath(string path)
    {
        Span<byte> p = Utf8Z(path, stackalloc byte[256]);
        byte* resolved = stackalloc byte[4096];   // PATH_MAX
        fixed (byte* pp = p)
        {
            if (Libc.realpath(pp, resolved) == null) { Fail(LastError); return null; }
            return Encoding.UTF8.GetString(resolved, new ReadOnlySpan<byte>(resolved, 4096).IndexOf((byte)0));
        }
    }

    public static string? Readlink(string path)
    {
        Span<byte> p = Utf8Z(path, stackalloc byte[256]);
        byte* buf = stackalloc byte[4096];
        fixed (byte* pp = p)
        {
            long n = T.readlink(pp, buf, 4096);
            if (n < 0) { Fail(TmdsErrno); return null; }
            return Encoding.UTF8.GetString(buf, (int)n);
        }
    }

    /// <summary>
    /// The canonical path of a directory, symlinks resolved (what chdir would land in): opened with
    /// O_DIRECTORY and read back through /proc/self/fd. Null, with <see cref="Errno"/>, when it cannot be opened.
    /// </summary>
    public static string? RealDirectory(string path)
    {
        int fd = Open(path, O_RDONLY | O_DIRECTORY);
        if (fd < 0) return null;
        string? real = Readlink($"/proc/self/fd/{fd}");
        int errno = _errno;
        Close(fd);
        // No /proc (not mounted yet, or hidden): libc's realpath walks the links itself, as runit's
        // tools get by without /proc. It can race a rename where the descriptor could not.
        if (real is null && errno == ENOENT) return RealPath(path);
        if (real is null) _errno = errno;
        return real;
    }

    /// <summary>An anonymous file in memory (memfd_create, MFD_CLOEXEC): its fd, or -1.</summary>
    public static int MemfdCreate(string name)
    {
        Span<byte> p = Utf8Z(name, stackalloc byte[64]);
        fixed (byte* pp = p)
        {
            int fd = T.memfd_create(pp, 1 /* MFD_CLOEXEC */);
            return fd >= 0 ? fd : Fail(TmdsErrno);
        }
    }

    /// <summary>lseek(2) to an absolute offset.</summary>
    public static int Seek(int fd, long offset) => T.lseek(fd, offset, 0 /* SEEK_SET */) < 0 ? Fail(TmdsErrno) : 0;

    public static int Fsync(int fd)
    {
        int r;
        do r = T.fsync(fd);
        while (Interrupted(r, TmdsErrno));
        return r;
    }

    public static int Fchmod(int fd, int mode) => T.fchmod(fd, (ushort)mode) == 0 ? 0 : Fail(TmdsErrno);

    /// <summary>chdir(2) back to a directory kept open (sv walks services by chdir, as runit's sv does).</summary>
    public static int Fchdir(int fd) => Result(Libc.fchdir(fd));
}

/// <summary>The parts of struct stat Init looks at.</summary>
public readonly record struct FileStat(uint Mode, ulong Device, ulong Inode, long MtimeSeconds, long MtimeNanoseconds, long Size, uint Uid, ulong Links)
{
    internal static FileStat From(in stat st) =>
        new((ushort)st.st_mode, (ulong)st.st_dev, (ulong)st.st_ino, st.st_mtim.tv_sec, st.st_mtim.tv_nsec, st.st_size, st.st_uid, (ulong)st.st_nlink);

    public bool IsSymlink => (Mode & 0xF000) == 0xA000;
    public bool IsDirectory => (Mode & 0xF000) == 0x4000;
    public bool IsRegular => (Mode & 0xF000) == 0x8000;
    public bool IsFifo => (Mode & 0xF000) == 0x1000;
    public bool IsSocket => (Mode & 0xF000) == 0xC000;
    public bool IsOwnerExecutable => (Mode & 0x40) != 0;
}
