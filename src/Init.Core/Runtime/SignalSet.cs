namespace Init.Runtime;

/// <summary>A set of signal numbers 1–64, as a bitmask (bit n-1 = signal n).</summary>
public readonly record struct SignalSet(ulong Bits)
{
    public static SignalSet Empty => default;
    public static SignalSet Of(params ReadOnlySpan<int> signals)
    {
        ulong bits = 0;
        foreach (int s in signals) bits |= 1UL << (s - 1);
        return new SignalSet(bits);
    }

    public bool Contains(int signo) => signo is >= 1 and <= 64 && (Bits & (1UL << (signo - 1))) != 0;
    public SignalSet With(int signo) => new(Bits | (1UL << (signo - 1)));
    public bool IsEmpty => Bits == 0;

    /// <summary>Reads a /proc/PID/status mask line value such as "0000000000001000".</summary>
    public static SignalSet ParseHex(ReadOnlySpan<char> hex) => new(ulong.Parse(hex, System.Globalization.NumberStyles.HexNumber));

    /// <summary>The mask a /proc/PID/status text gives on its <paramref name="name"/> line ("SigBlk:"), empty without one.</summary>
    public static SignalSet InStatus(string status, string name)
    {
        int at = status.IndexOf(name, StringComparison.Ordinal);
        if (at < 0) return default;
        int start = at + name.Length;
        int end = status.IndexOf('\n', start);
        return ParseHex(status.AsSpan(start, (end < 0 ? status.Length : end) - start).Trim());
    }
}
