using System.Buffers.Binary;
using System.Text;

namespace Init.Tests.Utmpset;

/// <summary>
/// A struct utmp as the tests write and read it, laid out from glibc's bits/utmp.h for x86_64
/// (384 bytes) independently of Init's codec, so the two check each other.
/// </summary>
public sealed record UtmpEntry(short Type, int Pid, string Line, string Id, string User, string Host,
    short Termination = 0, short Exit = 0, int Session = 0, uint Seconds = 0, int Microseconds = 0, byte AddressByte = 0)
{
    public const int Size = 384;
    public const short LoginProcess = 6, UserProcess = 7, DeadProcess = 8, BootTime = 2;

    public static UtmpEntry LoggedIn(string line, string user, int pid, uint seconds) =>
        new(UserProcess, pid, line, line.Length > 4 ? line[^4..] : line, user, "host.example", 0, 0, pid, seconds, 123_456, 10);

    public byte[] ToBytes()
    {
        var b = new byte[Size];
        BinaryPrimitives.WriteInt16LittleEndian(b, Type);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(4), Pid);
        Encoding.ASCII.GetBytes(Line).CopyTo(b, 8);
        Encoding.ASCII.GetBytes(Id).CopyTo(b, 40);
        Encoding.ASCII.GetBytes(User).CopyTo(b, 44);
        Encoding.ASCII.GetBytes(Host).CopyTo(b, 76);
        BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(332), Termination);
        BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(334), Exit);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(336), Session);
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(340), Seconds);
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(344), Microseconds);
        b.AsSpan(348, 16).Fill(AddressByte);
        return b;
    }

    public static UtmpEntry Read(ReadOnlySpan<byte> b)
    {
        // The reserved bytes and an address of mixed bytes are never written by the tests: a tool
        // that touched them shows up as an address byte of -1 here.
        var address = b.Slice(348, 16);
        bool uniform = address.IndexOfAnyExcept(address[0]) < 0 && b.Slice(364, 20).IndexOfAnyExcept((byte)0) < 0;
        return new(BinaryPrimitives.ReadInt16LittleEndian(b), BinaryPrimitives.ReadInt32LittleEndian(b[4..]),
            Text(b.Slice(8, 32)), Text(b.Slice(40, 4)), Text(b.Slice(44, 32)), Text(b.Slice(76, 256)),
            BinaryPrimitives.ReadInt16LittleEndian(b[332..]), BinaryPrimitives.ReadInt16LittleEndian(b[334..]),
            BinaryPrimitives.ReadInt32LittleEndian(b[336..]), BinaryPrimitives.ReadUInt32LittleEndian(b[340..]),
            BinaryPrimitives.ReadInt32LittleEndian(b[344..]), uniform ? address[0] : unchecked((byte)-1));
    }

    public static void WriteFile(string path, params UtmpEntry[] entries) =>
        File.WriteAllBytes(path, entries.SelectMany(e => e.ToBytes()).ToArray());

    /// <summary>Every whole record of the file (a missing file: null); a torn tail shows as a record of type -1.</summary>
    public static List<UtmpEntry>? ReadFile(string path)
    {
        if (!File.Exists(path)) return null;
        byte[] bytes = File.ReadAllBytes(path);
        var entries = new List<UtmpEntry>();
        for (int at = 0; at + Size <= bytes.Length; at += Size) entries.Add(Read(bytes.AsSpan(at, Size)));
        if (bytes.Length % Size != 0) entries.Add(new(-1, bytes.Length % Size, "", "", "", ""));
        return entries;
    }

    /// <summary>NUL-terminated, or the whole field when it is full; NULs after it spelled out so stray bytes show.</summary>
    private static string Text(ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        if (end < 0) return Encoding.ASCII.GetString(field);
        string text = Encoding.ASCII.GetString(field[..end]);
        return field[end..].IndexOfAnyExcept((byte)0) < 0 ? text : text + "\\0" + Convert.ToHexString(field[end..]);
    }
}
