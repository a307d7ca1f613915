using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Supervision;

/// <summary>
/// The client side of runit's supervise/ protocol, for everything that reads or controls another
/// supervisor (sv, stage 3, the container, the tests): is one alive (a reader holds
/// <c>supervise/ok</c>), what did it last publish (<c>supervise/status</c>), and a control byte to
/// it (<c>supervise/control</c>). Results are errno-style, so each caller words failures its own way.
/// </summary>
public static class SuperviseClient
{
    /// <summary>0 when a supervisor holds <c>ok</c> open; else the errno of the open (ENXIO: none runs).</summary>
    public static int Probe(string supervise)
    {
        int fd = Sys.Open(Path.Combine(supervise, "ok"), O_WRONLY | O_NONBLOCK);
        if (fd < 0) return Sys.Errno;
        Sys.Close(fd);
        return 0;
    }

    /// <summary>Sends without caring which step failed.</summary>
    public static int Send(string supervise, ReadOnlySpan<byte> commands) => Send(supervise, commands, out _);

    /// <summary>Whether a supervisor is alive (see <see cref="Probe"/>).</summary>
    public static bool HasSupervisor(string supervise) => Probe(supervise) == 0;

    /// <summary>
    /// 0 and the record; the errno when <c>status</c> cannot be opened or read; -1 when it holds fewer
    /// than 20 bytes (as runit's sv: the first 20 bytes count, a longer file is read as far as that).
    /// </summary>
    /// <param name="opened">Whether the open succeeded (so an errno is the read's).</param>
    public static int ReadStatus(string supervise, out StatusRecord record, out bool opened)
    {
        record = default;
        Span<byte> buffer = stackalloc byte[StatusRecord.Size];
        int fd = Sys.Open(Path.Combine(supervise, "status"), O_RDONLY | O_NONBLOCK);
        opened = fd >= 0;
        if (fd < 0) return Sys.Errno;
        int n = Sys.Read(fd, buffer);
        int errno = Sys.Errno;
        Sys.Close(fd);
        if (n < 0) return errno;
        return StatusRecord.TryRead(buffer[..n], out record) ? 0 : -1;
    }

    /// <summary>Down when supervise/status says no pid, or when its supervisor is gone (what stopping waits for).</summary>
    public static bool IsDown(string supervise)
    {
        if (!HasSupervisor(supervise)) return true;
        int r = ReadStatus(supervise, out var record, out _);
        if (r > 0) return true;          // no status file (or unreadable): nothing anyone could wait for
        return r == 0 && record.Pid == 0;
    }

    /// <summary>Whether the supervisor marked the service failed (its restart limit reached) in <c>supervise/restart</c>, Init's file.</summary>
    public static bool IsFailed(string supervise) => RestartState.Read(supervise) is { Failed: true };

    /// <summary>Writes control bytes without blocking: 0, the errno (ENXIO: no supervisor), or -1 for a short write.</summary>
    /// <param name="opened">Whether the open succeeded (so an errno is the write's).</param>
    public static int Send(string supervise, ReadOnlySpan<byte> commands, out bool opened)
    {
        int fd = Sys.Open(Path.Combine(supervise, "control"), O_WRONLY | O_NONBLOCK);
        opened = fd >= 0;
        if (fd < 0) return Sys.Errno;
        int n = Sys.Write(fd, commands);
        int errno = Sys.Errno;
        Sys.Close(fd);
        return n < 0 ? errno : n == commands.Length ? 0 : -1;
    }
}
