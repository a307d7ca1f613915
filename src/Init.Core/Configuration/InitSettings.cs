using System.Globalization;

namespace Init.Configuration;

/// <summary>One key of <see cref="InitOptions"/>: its name, the rule its values follow, and how a text value is checked and stored.</summary>
public sealed record Setting(string Key, string Rule, Func<InitOptions, string, bool> TrySet);

/// <summary>
/// Every setting of <see cref="InitOptions"/> with the values it takes, in one table: reading a
/// value is checking it, so a bad one is refused (and reported) without an exception and the
/// default stays. Keys are case-insensitive, as in every configuration source.
/// </summary>
public static class InitSettings
{
    public static readonly Setting[] All =
    [
        Text("ConfigFile", (o, v) => o.ConfigFile = v),
        Choice("Mode", (o, v) => o.Mode = v, "auto", "system", "container"),
        Choice("Stages", (o, v) => o.Stages = v, "auto", "runit", "builtin"),
        NonEmpty("ServiceDirectory", (o, v) => o.ServiceDirectory = v),
        Text("HookDirectory", (o, v) => o.HookDirectory = v),
        Number("StopGraceSeconds", 0, int.MaxValue, (o, v) => o.StopGraceSeconds = v),
        Number("KillGraceSeconds", 0, int.MaxValue, (o, v) => o.KillGraceSeconds = v),
        Number("HookTimeoutSeconds", 1, int.MaxValue, (o, v) => o.HookTimeoutSeconds = v),
        Choice("CtrlAltDel", (o, v) => o.CtrlAltDel = v, "reboot", "poweroff", "halt", "ignore"),
        Text("EmergencyShell", (o, v) => o.EmergencyShell = v),
        Flag("Mount", (o, v) => o.Mount = v),
        Flag("Console", (o, v) => o.Console = v),
        Number("ReapIntervalMs", 10, 1000, (o, v) => o.ReapIntervalMs = v),
        Number("RespawnMaxSeconds", 1, int.MaxValue, (o, v) => o.RespawnMaxSeconds = v),
        Choice("Supervision", (o, v) => o.Supervision = v, "engine", "process"),
        Text("Runsvdir", (o, v) => o.Runsvdir = v),
        Number("TimeoutKillMs", 0, int.MaxValue, (o, v) => o.TimeoutKillMs = v),
        Flag("StopDependants", (o, v) => o.StopDependants = v),
        Choice("Cgroups", (o, v) => o.Cgroups = v, "auto", "off"),
        new("LogRing", "off, or a number of bytes from 0 to 67108864", (o, v) =>
        {
            v = v.Trim();
            if (v != "off" && !(v.Length is > 0 and <= 8 && v.All(char.IsAsciiDigit) && int.Parse(v, CultureInfo.InvariantCulture) <= 64 * 1024 * 1024)) return false;
            o.LogRing = v;
            return true;
        }),
        new("RestartBackoff", "off, or MIN MAX RESET in milliseconds (0 < MIN <= MAX)", (o, v) =>
        {
            if (!IsBackoff(v)) return false;
            o.RestartBackoff = v;
            return true;
        }),
    ];

    public static Setting? Find(string key)
    {
        foreach (var setting in All)
            if (string.Equals(setting.Key, key, StringComparison.OrdinalIgnoreCase)) return setting;
        return null;
    }

    /// <summary>The setting a mistyped <paramref name="key"/> most likely meant: one it begins, or one a few letters away.</summary>
    public static Setting? Nearest(string key)
    {
        Setting? best = null;
        int bestDistance = int.MaxValue;
        foreach (var setting in All)
        {
            if (key.Length >= 3 && setting.Key.StartsWith(key, StringComparison.OrdinalIgnoreCase)) return setting;
            int d = Distance(key.ToLowerInvariant(), setting.Key.ToLowerInvariant());
            if (d < bestDistance) (best, bestDistance) = (setting, d);
        }
        return bestDistance <= Math.Max(2, key.Length / 3) ? best : null;
    }

    /// <summary>Levenshtein distance: insertions, deletions and substitutions.</summary>
    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    /// <summary>The shape ServicePolicy.TryParseBackoffSetting takes (this layer sees no supervision code; a test keeps the two agreeing).</summary>
    public static bool IsBackoff(string value)
    {
        if (value == "off") return true;
        var fields = value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var ms = new long[fields.Length];
        for (int i = 0; i < fields.Length; i++)
            if (fields[i].Length > 10 || !fields[i].All(char.IsAsciiDigit) || (ms[i] = long.Parse(fields[i], CultureInfo.InvariantCulture)) > int.MaxValue) return false;
        return ms.Length == 3 && ms[0] > 0 && ms[0] <= ms[1];
    }

    private static Setting Text(string key, Action<InitOptions, string> set) =>
        new(key, "any text", (o, v) => { set(o, v); return true; });

    private static Setting NonEmpty(string key, Action<InitOptions, string> set) =>
        new(key, "a path", (o, v) => { if (v.Length == 0) return false; set(o, v); return true; });

    private static Setting Choice(string key, Action<InitOptions, string> set, params string[] values) =>
        new(key, "one of " + string.Join(", ", values), (o, v) => { if (Array.IndexOf(values, v) < 0) return false; set(o, v); return true; });

    private static Setting Flag(string key, Action<InitOptions, bool> set) =>
        new(key, "true or false", (o, v) => { if (!bool.TryParse(v, out bool b)) return false; set(o, b); return true; });

    private static Setting Number(string key, int min, int max, Action<InitOptions, int> set) =>
        new(key, max == int.MaxValue ? $"a whole number from {min}" : $"a whole number from {min} to {max}", (o, v) =>
        {
            if (!int.TryParse(v, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out int n)
                || n < min || n > max) return false;
            set(o, n);
            return true;
        });
}
