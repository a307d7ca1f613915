using System.Globalization;

namespace Init.Import;

/// <summary>The value forms of systemd's unit files that Init's files take in other units: time spans, sizes, booleans, percentages.</summary>
public static class SystemdValues
{
    /// <summary>Marks "no limit" (systemd's <c>infinity</c>) where a number is asked for.</summary>
    public const long Infinity = -1;

    private static readonly (string Unit, double Ms)[] TimeUnits =
    [
        ("usec", 0.001), ("us", 0.001), ("µs", 0.001), ("msec", 1), ("ms", 1),
        ("seconds", 1000), ("second", 1000), ("sec", 1000), ("s", 1000),
        ("minutes", 60_000), ("minute", 60_000), ("min", 60_000), ("m", 60_000),
        ("hours", 3_600_000), ("hour", 3_600_000), ("hr", 3_600_000), ("h", 3_600_000),
        ("days", 86_400_000), ("day", 86_400_000), ("d", 86_400_000),
        ("weeks", 604_800_000), ("week", 604_800_000), ("w", 604_800_000),
    ];

    /// <summary>
    /// A time span (systemd.time(7)): <c>90</c> (seconds), <c>5s</c>, <c>1min 30s</c>, <c>100ms</c>,
    /// <c>infinity</c> (<see cref="Infinity"/>), in milliseconds rounded up; null when it is not one.
    /// </summary>
    public static long? TimeSpanMs(string text)
    {
        text = text.Trim();
        if (text == "infinity") return Infinity;
        if (text.Length == 0) return null;
        double total = 0;
        int i = 0;
        bool any = false;
        while (i < text.Length)
        {
            while (i < text.Length && text[i] == ' ') i++;
            if (i == text.Length) break;
            int start = i;
            while (i < text.Length && (char.IsAsciiDigit(text[i]) || text[i] == '.')) i++;
            if (i == start || !double.TryParse(text.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double number)) return null;
            while (i < text.Length && text[i] == ' ') i++;
            int unitStart = i;
            while (i < text.Length && (char.IsAsciiLetter(text[i]) || text[i] == 'µ')) i++;
            string unit = text[unitStart..i];
            double scale = unit.Length == 0 ? 1000 : TimeUnits.FirstOrDefault(u => u.Unit == unit).Ms;
            if (scale == 0) return null;
            total += number * scale;
            any = true;
        }
        return any && total <= int.MaxValue ? (long)Math.Ceiling(total) : null;
    }

    /// <summary>
    /// A size (systemd's <c>MemoryMax=</c>): bytes with an optional K, M, G, T suffix (base 1024), as
    /// the cgroup file takes it; <c>infinity</c> as <c>max</c>. Null when it is not one, or a percentage.
    /// </summary>
    public static string? CgroupBytes(string text)
    {
        text = text.Trim();
        if (text == "infinity") return "max";
        if (text.Length == 0) return null;
        char last = char.ToUpperInvariant(text[^1]);
        string digits = last is 'K' or 'M' or 'G' or 'T' ? text[..^1] : text;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit)) return null;
        return last is 'K' or 'M' or 'G' or 'T' ? digits + last : digits;
    }

    /// <summary>systemd's booleans: 1, yes, y, true, t, on and 0, no, n, false, f, off; null for anything else.</summary>
    public static bool? Boolean(string text) => text.Trim().ToLowerInvariant() switch
    {
        "1" or "yes" or "y" or "true" or "t" or "on" => true,
        "0" or "no" or "n" or "false" or "f" or "off" => false,
        _ => null,
    };

    /// <summary>A percentage <c>20%</c> (possibly over 100, as CPUQuota= takes) as a number; null otherwise.</summary>
    public static double? Percent(string text)
    {
        text = text.Trim();
        return text.EndsWith('%') && double.TryParse(text[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) && value > 0
            ? value : null;
    }

    /// <summary>A count (TasksMax=, LimitNOFILE=): digits, or <c>infinity</c> as <see cref="Infinity"/>; null otherwise.</summary>
    public static long? Count(string text)
    {
        text = text.Trim();
        if (text == "infinity") return Infinity;
        return text.Length > 0 && text.Length < 19 && text.All(char.IsAsciiDigit) ? long.Parse(text, CultureInfo.InvariantCulture) : null;
    }
}
