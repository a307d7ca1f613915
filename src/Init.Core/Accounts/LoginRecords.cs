using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Accounts;

/// <summary>Where a change of utmp or wtmp stopped: <see cref="Step.Done"/>, or the step that failed and its errno.</summary>
public readonly record struct LoginRecordResult(LoginRecordResult.Step FailedAt, int Errno = 0)
{
    public enum Step { Done, Open, Lock, NoEntry, Io }

    public bool Ok => FailedAt == Step.Done;
}

/// <summary>
/// The login records a terminal line's logout changes, as runit's utmpset does: the user's record
/// in utmp rewritten in place, a logout record appended to wtmp. Records are read and written
/// directly, not through glibc's getutline/pututline, which match by type and by ut_id where runit
/// matches any record with a user on that line. Each file is held under runit's flock (against
/// another utmpset) and glibc's fcntl write lock (against login, agetty, sshd) while it changes.
/// </summary>
public static class LoginRecords
{
    /// <summary>glibc's _PATH_UTMP and _PATH_WTMP, the paths runit's utmpset uses and names.</summary>
    public const string Utmp = "/var/run/utmp", Wtmp = "/var/log/wtmp";

    /// <summary>Logs <paramref name="line"/> out in utmp: the first record with a user on it becomes DEAD_PROCESS.</summary>
    public static LoginRecordResult LogOutInUtmp(string path, ReadOnlySpan<byte> line, long unixSeconds)
    {
        int fd = Sys.Open(path, O_RDWR);
        if (fd < 0) return new(LoginRecordResult.Step.Open, Sys.Errno);
        try
        {
            if (Lock(fd) is { } failed) return failed;
            Span<byte> record = stackalloc byte[UtmpRecord.Size];
            for (long offset = 0; ; offset += UtmpRecord.Size)
            {
                int n = Sys.Read(fd, record);
                // A short last record is no record (runit stops there too).
                if (n < 0) return new(LoginRecordResult.Step.Io, Sys.Errno);
                if (n < UtmpRecord.Size) return new(LoginRecordResult.Step.NoEntry);
                if (!UtmpRecord.IsLoggedIn(record, line)) continue;
                UtmpRecord.LogOut(record, unixSeconds);
                if (Sys.Seek(fd, offset) < 0) return new(LoginRecordResult.Step.Io, Sys.Errno);
                return WriteRecord(fd, record);
            }
        }
        finally { Sys.Close(fd); }
    }

    /// <summary>Appends a logout of <paramref name="line"/> to wtmp (created 0600 if missing); a partial record is cut off again.</summary>
    public static LoginRecordResult AppendLogoutToWtmp(string path, ReadOnlySpan<byte> line, long unixSeconds)
    {
        // O_NONBLOCK: a FIFO planted as wtmp must not stall a getty's finish script (runit's O_NDELAY).
        int fd = Sys.Open(path, O_WRONLY | O_NONBLOCK | O_APPEND | O_CREAT, 0x180 /* 0600 */);
        if (fd < 0) return new(LoginRecordResult.Step.Open, Sys.Errno);
        try
        {
            if (Lock(fd) is { } failed) return failed;
            if (Sys.Fstat(fd, out var st) < 0) return new(LoginRecordResult.Step.Io, Sys.Errno);
            Span<byte> record = stackalloc byte[UtmpRecord.Size];
            UtmpRecord.WriteLogout(record, line, unixSeconds);
            var result = WriteRecord(fd, record);
            if (!result.Ok) Sys.Ftruncate(fd, st.Size);
            return result;
        }
        finally { Sys.Close(fd); }
    }

    private static LoginRecordResult? Lock(int fd)
    {
        if (Sys.Flock(fd, LOCK_EX) < 0 || Sys.LockRecords(fd) < 0) return new(LoginRecordResult.Step.Lock, Sys.Errno);
        return null;
    }

    private static LoginRecordResult WriteRecord(int fd, ReadOnlySpan<byte> record)
    {
        int n = Sys.Write(fd, record);
        if (n == record.Length) return new(LoginRecordResult.Step.Done);
        // A short write to a file sets no errno: the disk filled up under it.
        return new(LoginRecordResult.Step.Io, n < 0 ? Sys.Errno : ENOSPC);
    }
}
