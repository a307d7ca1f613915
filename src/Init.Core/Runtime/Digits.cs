using System.Numerics;

namespace Init.Runtime;

/// <summary>
/// djb's scan_ulong, the one number reader of runit's tools: leading decimal digits, wrapping
/// like C's unsigned arithmetic. What the tools do with the rest of the text differs (sv and
/// svlogd ignore it, chpst and the uid:gid form refuse it), so both readings are here.
/// </summary>
public static class Digits
{
    /// <summary>How many leading digits of <paramref name="text"/> there are, and their value (0 when none).</summary>
    public static int Scan<TChar>(ReadOnlySpan<TChar> text, out ulong value) where TChar : IBinaryInteger<TChar>
    {
        value = 0;
        int i = 0;
        for (; i < text.Length; i++)
        {
            uint digit = uint.CreateTruncating(text[i]) - '0';
            if (digit > 9) break;
            value = unchecked(value * 10 + digit);
        }
        return i;
    }

    /// <summary>The value of the leading digits, ignoring whatever follows (sv's <c>-w 5x</c> is 5).</summary>
    public static ulong Scan(string text)
    {
        Scan(text.AsSpan(), out ulong value);
        return value;
    }

    /// <summary>
    /// A number written as Init's own files want it: 1 to <paramref name="maxDigits"/> decimal digits
    /// and nothing else (no sign, no blank), at most <paramref name="max"/>; null otherwise.
    /// </summary>
    public static ulong? Strict(ReadOnlySpan<char> text, int maxDigits, ulong max)
    {
        if (text.IsEmpty || text.Length > maxDigits || Scan(text, out ulong value) != text.Length) return null;
        return value <= max ? value : null;
    }

    /// <summary>True when <paramref name="text"/> is digits only ("" is 0, as scan_ulong reads it).</summary>
    public static bool TryScanAll(string text, out ulong value) => Scan(text.AsSpan(), out value) == text.Length;
}
