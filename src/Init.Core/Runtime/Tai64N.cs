using System.Buffers.Binary;
using Init.Interop;

namespace Init.Runtime;

/// <summary>
/// A TAI64N label as daemontools and runit write it: 8 bytes big-endian seconds
/// (2^62 + 10 + Unix time, runit's tai_unix) and 4 bytes big-endian nanoseconds.
/// </summary>
public readonly record struct Tai64N(ulong Seconds, uint Nanoseconds)
{
    /// <summary>2^62 + 10: TAI64 of the Unix epoch as runit computes it (a fixed 10 s offset, no leap table).</summary>
    public const ulong UnixEpoch = 4611686018427387914UL;

    public static Tai64N FromUnix(long seconds, long nanoseconds) => new(UnixEpoch + (ulong)seconds, (uint)nanoseconds);

    public static Tai64N Now()
    {
        var (s, ns) = Sys.RealTime();
        // runit's taia_now: nano = 1000 * usec + 500.
        return FromUnix(s, ns / 1000 * 1000 + 500);
    }

    public long UnixSeconds => (long)(Seconds - UnixEpoch);

    public void Write(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt64BigEndian(destination, Seconds);
        BinaryPrimitives.WriteUInt32BigEndian(destination[8..], Nanoseconds);
    }

    public static Tai64N Read(ReadOnlySpan<byte> source) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(source), BinaryPrimitives.ReadUInt32BigEndian(source[8..]));
}
