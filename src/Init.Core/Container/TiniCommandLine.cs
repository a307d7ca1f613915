using System.Globalization;
using Init.Runtime;

namespace Init.Container;

/// <summary>
/// tini's command line (getopt "p:hvwgle:s", <c>--version</c> only as the sole argument; Init's <c>--help</c>
/// too, where tini's getopt says "invalid option -- '-'" and exits 1) and
/// environment (TINI_SUBREAPER, TINI_KILL_PROCESS_GROUP: set = on, even when empty;
/// TINI_VERBOSITY: atoi), plus Init's <c>--wait-descendants GRACE</c> and <c>--services DIR</c> (INIT_SERVICES).
/// Difference: options end at the first non-option (POSIX), where tini's GNU getopt permutes,
/// so <c>tini ls -l</c> runs <c>ls -l</c> instead of printing tini's license.
/// </summary>
public static class TiniCommandLine
{
    /// <summary>The version line scripts parse: tini's, naming the release whose behaviour we follow.</summary>
    public static string VersionLine(string initVersion) => "tini version 0.19.0 - Init " + initVersion;

    public static ParseResult Parse(string name, string argv0, string[] args, Func<string, string?> env, string initVersion)
    {
        if (args is ["--version"])
        {
            Output.Out(VersionLine(initVersion) + "\n");
            return ParseResult.Exit(0);
        }
        if (args is ["--help"])
        {
            TiniText.Usage(name, 1);
            return ParseResult.Exit(0);
        }
        var options = new ContainerOptions { Flavor = Flavor.Tini };
        int i = 0;
        for (; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg == "--") { i++; break; }
            if (arg.Length < 2 || arg[0] != '-') break;
            if (arg.StartsWith("--wait-descendants", StringComparison.Ordinal))
            {
                string? value = arg.Length > 18 && arg[18] == '=' ? arg[19..] : arg.Length == 18 && i + 1 < args.Length ? args[++i] : null;
                if (arg.Length > 18 && arg[18] != '=') return Usage(name, $"{argv0}: unrecognized option '{arg}'");
                if (value is null) return Usage(name, $"{argv0}: option '--wait-descendants' requires an argument");
                if (!Grace.TryParse(value, out long ms)) return Fatal($"Not a valid option for --wait-descendants: {value}");
                options.DescendantGraceMs = ms;
                continue;
            }
            if (arg.StartsWith("--services", StringComparison.Ordinal))
            {
                string? value = arg.Length > 10 && arg[10] == '=' ? arg[11..] : arg.Length == 10 && i + 1 < args.Length ? args[++i] : null;
                if (arg.Length > 10 && arg[10] != '=') return Usage(name, $"{argv0}: unrecognized option '{arg}'");
                if (string.IsNullOrEmpty(value)) return Usage(name, $"{argv0}: option '--services' requires an argument");
                options.ServiceDirectory = value;
                continue;
            }
            for (int j = 1; j < arg.Length; j++)
            {
                char c = arg[j];
                switch (c)
                {
                    case 'h': TiniText.Usage(name, 1); return ParseResult.Exit(0);
                    case 'l': Output.Out(TiniText.License); return ParseResult.Exit(0);
                    case 's': options.Subreaper = true; break;
                    case 'v': options.Verbosity++; break;
                    case 'w': options.WarnOnReap = true; break;
                    case 'g': options.SignalProcessGroup = true; break;
                    case 'p' or 'e':
                        string? optarg = j + 1 < arg.Length ? arg[(j + 1)..] : i + 1 < args.Length ? args[++i] : null;
                        if (optarg is null) return Usage(name, $"{argv0}: option requires an argument -- '{c}'");
                        if (c == 'p')
                        {
                            options.ParentDeathSignal = SignalNames.Parse(optarg);
                            if (options.ParentDeathSignal == 0) return Fatal($"Not a valid option for -p: {optarg}");
                        }
                        else if (int.TryParse(optarg, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int code) && code is >= 0 and <= 255)
                            options.RemapToZero[code] = true;
                        else return Fatal($"Not a valid option for -e: {optarg}");
                        j = arg.Length;
                        break;
                    default: return Usage(name, $"{argv0}: invalid option -- '{c}'");
                }
            }
        }
        if (i >= args.Length) return Usage(name, null);
        options.Command = args[i..];

        if (env("TINI_SUBREAPER") is not null) options.Subreaper = true;
        if (env("TINI_KILL_PROCESS_GROUP") is not null) options.SignalProcessGroup = true;
        if (env("TINI_VERBOSITY") is { } verbosity) options.Verbosity = Atoi(verbosity);
        if (options.DescendantGraceMs < 0 && env(Grace.Variable) is { } grace)
        {
            if (!Grace.TryParse(grace, out long ms)) return Fatal($"Not a valid value for {Grace.Variable}: {grace}");
            options.DescendantGraceMs = ms;
        }
        if (options.ServiceDirectory is null && env(ServicesVariable) is { Length: > 0 } services) options.ServiceDirectory = services;
        return ParseResult.Run(options);
    }

    /// <summary>As <c>--services DIR</c>: the service directory run alongside the main command.</summary>
    public const string ServicesVariable = "INIT_SERVICES";

    private static ParseResult Usage(string name, string? error)
    {
        if (error is not null) Output.Err(error + "\n");
        TiniText.Usage(name, 2);
        return ParseResult.Exit(1);
    }

    private static ParseResult Fatal(string message)
    {
        TiniLog.Fatal(message);
        return ParseResult.Exit(1);
    }

    /// <summary>C's atoi: leading blanks, optional sign, digits; anything else ends the number (0 if none).</summary>
    public static int Atoi(string s)
    {
        int i = 0, sign = 1;
        long value = 0;
        while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
        if (i < s.Length && (s[i] == '+' || s[i] == '-')) sign = s[i++] == '-' ? -1 : 1;
        while (i < s.Length && s[i] is >= '0' and <= '9' && value < int.MaxValue) value = value * 10 + (s[i++] - '0');
        return (int)Math.Clamp(sign * value, int.MinValue, int.MaxValue);
    }
}

/// <summary>Init's descendant grace period: <c>--wait-descendants SECONDS</c> or INIT_KILL_DESCENDANTS_GRACE.</summary>
public static class Grace
{
    public const string Variable = "INIT_KILL_DESCENDANTS_GRACE";

    /// <summary>Seconds, decimals allowed ("10", "0.5"), at most a day.</summary>
    public static bool TryParse(string text, out long milliseconds)
    {
        milliseconds = 0;
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double seconds)
            || seconds < 0 || seconds > 86400) return false;
        milliseconds = (long)(seconds * 1000);
        return true;
    }
}
