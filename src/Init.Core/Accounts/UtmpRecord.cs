using System.Buffers.Binary;

namespace Init.Accounts;

/// <summary>
/// One record of utmp and wtmp: glibc's <c>struct utmp</c> on 64-bit Linux (utmp(5), 384 bytes),
/// only the fields runit's utmpset reads or writes. A logout is what runit 2.3.0's utmpset makes
/// of it: in utmp the record keeps its pid, id, line, session and address; in wtmp a fresh record
/// names only the line.
/// </summary>
public static class UtmpRecord
{
    public const int Size = 384;

    /// <summary>ut_type values (utmp.h).</summary>
    public const short UserProcess = 7, DeadProcess = 8;

    /// <summary>Bytes in ut_line: a line name of exactly this length fills it with no NUL.</summary>
    public const int LineSize = 32;

    private const int TypeAt = 0, LineAt = 8, UserAt = 44, UserSize = 32, HostAt = 76, HostSize = 256;

    /// <summary>
    /// ut_tv.tv_sec: an int32_t even on 64-bit glibc (the file is shared with 32-bit programs). It
    /// is written as the low 32 bits of the time: right until 2038, and until 2106 for readers
    /// that take the field as unsigned, as the Y2038 proposals for utmp do.
    /// </summary>
    private const int SecondsAt = 340;

    /// <summary>
    /// runit's match: a record with a user (ut_user not empty), whatever its type, whose ut_line is
    /// <paramref name="line"/> exactly: the name and its NUL, or all 32 bytes when it fills them.
    /// </summary>
    public static bool IsLoggedIn(ReadOnlySpan<byte> record, ReadOnlySpan<byte> line)
    {
        if (record.Length < Size || line.Length > LineSize || record[UserAt] == 0) return false;
        var field = record.Slice(LineAt, LineSize);
        return field.StartsWith(line) && (line.Length == LineSize || field[line.Length] == 0);
    }

    /// <summary>utmp's logout, in place: user and host cleared, type DEAD_PROCESS, the time now.</summary>
    public static void LogOut(Span<byte> record, long unixSeconds)
    {
        record.Slice(UserAt, UserSize).Clear();
        record.Slice(HostAt, HostSize).Clear();
        SetTime(record, unixSeconds);
        BinaryPrimitives.WriteInt16LittleEndian(record[TypeAt..], DeadProcess);
    }

    /// <summary>wtmp's logout: a record of zeros but the line, type DEAD_PROCESS and the time now.</summary>
    public static void WriteLogout(Span<byte> record, ReadOnlySpan<byte> line, long unixSeconds)
    {
        record[..Size].Clear();
        line[..Math.Min(line.Length, LineSize)].CopyTo(record[LineAt..]);
        SetTime(record, unixSeconds);
        BinaryPrimitives.WriteInt16LittleEndian(record[TypeAt..], DeadProcess);
    }

    private static void SetTime(Span<byte> record, long unixSeconds) =>
        BinaryPrimitives.WriteUInt32LittleEndian(record[SecondsAt..], unchecked((uint)unixSeconds));
}
