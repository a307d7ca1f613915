using System.Text;
using Init.Runtime;

namespace Init.Applets.Runsvdir;

/// <summary>
/// runsvdir's readproctitle log: the bytes of the last command-line argument are overwritten in
/// place, in the process's own argument memory (the region /proc/self/stat reports as arg_start ..
/// arg_end, which is what ps reads through /proc/PID/cmdline). As runit: the first five characters
/// stay, every new byte shifts the rest left by one. Nothing is resized, so nothing else moves.
/// </summary>
public sealed unsafe class ProcTitle
{
    private readonly byte* _start;
    private readonly int _length;
    private readonly byte[] _shadow;

    private ProcTitle(byte* start, byte[] initial)
    {
        _start = start;
        _length = initial.Length;
        _shadow = initial;
    }

    /// <summary>
    /// The title is <paramref name="argument"/>, followed by <paramref name="argumentsAfter"/> more
    /// arguments (runsvdir ignores extra ones); null when its memory cannot be found.
    /// </summary>
    public static ProcTitle? Locate(string argument, int argumentsAfter)
    {
        byte[] expected = Encoding.UTF8.GetBytes(argument);
        if (!TryArgRange(out ulong argStart, out ulong argEnd) || argEnd <= argStart + 1) return null;
        byte* begin = (byte*)argStart;
        byte* end = (byte*)argEnd - 1;               // the last argument's NUL
        if (*end != 0) return null;
        for (int skip = 0; skip < argumentsAfter; skip++)
        {
            // Back over one argument to the NUL that ends the one before it.
            do end--; while (end > begin && *end != 0);
            if (*end != 0) return null;
        }
        byte* start = end;
        while (start > begin && start[-1] != 0) start--;
        if (end - start != expected.Length || !new ReadOnlySpan<byte>(start, expected.Length).SequenceEqual(expected)) return null;
        return new ProcTitle(start, expected);
    }

    /// <summary>Shifts <paramref name="data"/> in (NUL bytes are skipped, as runit does).</summary>
    public void Append(ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            if (b == 0 || _length < 7) continue;
            Array.Copy(_shadow, 6, _shadow, 5, _length - 6);
            _shadow[_length - 1] = b;
        }
        _shadow.CopyTo(new Span<byte>(_start, _length));
    }

    public string Current => Encoding.UTF8.GetString(_shadow);

    /// <summary>Fields 48 and 49 of /proc/self/stat (Linux ≥ 3.5): where the kernel reads our argv from.</summary>
    private static bool TryArgRange(out ulong start, out ulong end)
    {
        (start, end) = ProcStat.OfSelf() is { } stat ? (stat.ArgStart, stat.ArgEnd) : (0UL, 0UL);
        return end > start;
    }
}
