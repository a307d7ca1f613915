using Init.Runtime;

namespace Init.Logging;

/// <summary>svlogd's line stamps (-t, -tt, -ttt) and the TAI64N names of rotated files.</summary>
public static class LogTimestamp
{
    /// <summary>Length of a stamp with its trailing space.</summary>
    public const int Length = 26;

    private static ReadOnlySpan<byte> Hex => "0123456789abcdef"u8;

    /// <summary>"@" + 24 hex digits (25 bytes).</summary>
    public static void WriteTai64N(Span<byte> dest, Tai64N t)
    {
        dest[0] = (byte)'@';
        for (int i = 0; i < 16; i++) dest[1 + i] = Hex[(int)(t.Seconds >> (60 - 4 * i)) & 15];
        for (int i = 0; i < 8; i++) dest[17 + i] = Hex[(int)(t.Nanoseconds >> (28 - 4 * i)) & 15];
    }

    /// <summary>
    /// Writes the stamp for <paramref name="mode"/> (1: TAI64N, 2: "YYYY-MM-DD_HH:MM:SS.xxxxx",
    /// 3: the same with 'T') followed by a space: <see cref="Length"/> bytes.
    /// </summary>
    public static void Write(Span<byte> dest, int mode, Tai64N t)
    {
        if (mode == 1) WriteTai64N(dest, t);
        else
        {
            var utc = DateTime.UnixEpoch.AddSeconds(t.UnixSeconds);
            Number(dest[0..4], utc.Year);
            dest[4] = (byte)'-'; Number(dest[5..7], utc.Month);
            dest[7] = (byte)'-'; Number(dest[8..10], utc.Day);
            dest[10] = mode == 3 ? (byte)'T' : (byte)'_'; Number(dest[11..13], utc.Hour);
            dest[13] = (byte)':'; Number(dest[14..16], utc.Minute);
            dest[16] = (byte)':'; Number(dest[17..19], utc.Second);
            // runit formats 9 digits of nanoseconds into a 25-byte stamp: 5 survive.
            dest[19] = (byte)'.'; Number(dest[20..25], (int)(t.Nanoseconds / 10_000));
        }
        dest[25] = (byte)' ';
    }

    private static void Number(Span<byte> dest, int value)
    {
        for (int i = dest.Length - 1; i >= 0; i--) { dest[i] = (byte)('0' + value % 10); value /= 10; }
    }
}
