using Init.Runtime;

namespace Init.Container;

/// <summary>
/// dumb-init's command line (getopt_long "+hvVcr:" with --help --single-child --rewrite --verbose
/// --version, abbreviations allowed) and environment (DUMB_INIT_DEBUG=1, DUMB_INIT_SETSID=0),
/// plus Init's <c>--wait-descendants SECONDS</c> / INIT_KILL_DESCENDANTS_GRACE.
/// </summary>
public static class DumbInitCommandLine
{
    private static readonly string[] Longs = ["help", "single-child", "rewrite", "verbose", "version", "wait-descendants"];

    public static ParseResult Parse(string name, string[] args, Func<string, string?> env, string initVersion)
    {
        var options = new ContainerOptions { Flavor = Flavor.DumbInit, Verbosity = 0, NewSession = true, SignalProcessGroup = true };
        int i = 0;
        for (; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg == "--") { i++; break; }
            if (arg.Length < 2 || arg[0] != '-') break;
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                string body = arg[2..];
                int eq = body.IndexOf('=');
                string key = eq >= 0 ? body[..eq] : body;
                string? inline = eq >= 0 ? body[(eq + 1)..] : null;
                string? full = Match(key);
                if (full is null) return Fail($"{name}: unrecognized option '{arg}'");
                bool takesArgument = full is "rewrite" or "wait-descendants";
                if (!takesArgument && inline is not null) return Fail($"{name}: option '--{full}' doesn't allow an argument");
                string? value = inline ?? (takesArgument && i + 1 < args.Length ? args[++i] : null);
                if (takesArgument && value is null) return Fail($"{name}: option '--{full}' requires an argument");
                var r = Apply(name, full switch { "help" => 'h', "single-child" => 'c', "rewrite" => 'r', "verbose" => 'v', "version" => 'V', _ => 'W' }, value, options, initVersion);
                if (r is not null) return r.Value;
                continue;
            }
            for (int j = 1; j < arg.Length; j++)
            {
                char c = arg[j];
                string? value = null;
                if (c == 'r')
                {
                    value = j + 1 < arg.Length ? arg[(j + 1)..] : i + 1 < args.Length ? args[++i] : null;
                    if (value is null) return Fail($"{name}: option requires an argument -- 'r'");
                    j = arg.Length;
                }
                else if (c is not ('h' or 'v' or 'V' or 'c')) return Fail($"{name}: invalid option -- '{c}'");
                var r = Apply(name, c, value, options, initVersion);
                if (r is not null) return r.Value;
            }
        }
        if (i >= args.Length)
        {
            Output.Err($"Usage: {name} [option] program [args]\nTry {name} --help for full usage.\n");
            return ParseResult.Exit(1);
        }
        options.Command = args[i..];

        if (env("DUMB_INIT_DEBUG") == "1")
        {
            options.Verbosity = 2;
            Output.Err("[dumb-init] Running in debug mode.\n");
        }
        if (env("DUMB_INIT_SETSID") == "0")
        {
            options.NewSession = options.SignalProcessGroup = false;
            if (options.Verbosity > 1) Output.Err("[dumb-init] Not running in setsid mode.\n");
        }
        if (options.NewSession)
            foreach (int s in (ReadOnlySpan<int>)[Interop.Consts.SIGTSTP, Interop.Consts.SIGTTOU, Interop.Consts.SIGTTIN])
                if (options.Rewrite[s] == -1) options.Rewrite[s] = Interop.Consts.SIGSTOP;
        if (options.DescendantGraceMs < 0 && env(Grace.Variable) is { } grace)
        {
            if (!Grace.TryParse(grace, out long ms)) return Fail($"[dumb-init] not a valid value for {Grace.Variable}: {grace}");
            options.DescendantGraceMs = ms;
        }
        return ParseResult.Run(options);
    }

    /// <summary>getopt_long accepts any unambiguous prefix of a long option.</summary>
    private static string? Match(string key)
    {
        string? found = null;
        foreach (string l in Longs)
        {
            if (l == key) return l;
            if (key.Length > 0 && l.StartsWith(key, StringComparison.Ordinal))
            {
                if (found is not null) return null;
                found = l;
            }
        }
        return found;
    }

    private static ParseResult? Apply(string name, char option, string? value, ContainerOptions options, string initVersion)
    {
        switch (option)
        {
            case 'h': Output.Err(Help(name)); return ParseResult.Exit(0);
            case 'V': Output.Err($"dumb-init v1.2.5 (Init {initVersion})\n"); return ParseResult.Exit(0);
            case 'v': options.Verbosity = 2; return null;
            case 'c': options.NewSession = options.SignalProcessGroup = false; return null;
            case 'r':
                if (!TryRewrite(value!, out int s, out int r))
                {
                    Output.Err("Usage: -r option takes <signum>:<signum>, where <signum> is between 1 and 31.\n" +
                               "This option can be specified multiple times.\nUse --help for full usage.\n");
                    return ParseResult.Exit(1);
                }
                options.Rewrite[s] = r;
                return null;
            default:
                if (!Grace.TryParse(value!, out long ms)) return Fail($"[dumb-init] not a valid value for --wait-descendants: {value}");
                options.DescendantGraceMs = ms;
                return null;
        }
    }

    /// <summary>sscanf("%d:%d") with s in 1–31 and r in 0–31; like sscanf, trailing text is ignored.</summary>
    public static bool TryRewrite(string text, out int signo, out int replacement)
    {
        signo = replacement = -1;
        int colon = text.IndexOf(':');
        if (colon <= 0) return false;
        if (!int.TryParse(text.AsSpan(0, colon).Trim(), out signo)) return false;
        var rest = text.AsSpan(colon + 1).TrimStart();
        int n = 0;
        while (n < rest.Length && (char.IsAsciiDigit(rest[n]) || (n == 0 && rest[n] is '-' or '+'))) n++;
        if (!int.TryParse(rest[..n], out replacement)) return false;
        return signo is >= 1 and <= 31 && replacement is >= 0 and <= 31;
    }

    private static ParseResult Fail(string message)
    {
        Output.Err(message + "\n");
        return ParseResult.Exit(1);
    }

    public static string Help(string name) =>
        "dumb-init v1.2.5\n" +
        $"Usage: {name} [option] command [[arg] ...]\n\n" +
        "dumb-init is a simple process supervisor that forwards signals to children.\n" +
        "It is designed to run as PID1 in minimal container environments.\n\n" +
        "Optional arguments:\n" +
        "   -c, --single-child   Run in single-child mode.\n" +
        "                        In this mode, signals are only proxied to the\n" +
        "                        direct child and not any of its descendants.\n" +
        "   -r, --rewrite s:r    Rewrite received signal s to new signal r before proxying.\n" +
        "                        To ignore (not proxy) a signal, rewrite it to 0.\n" +
        "                        This option can be specified multiple times.\n" +
        "   -v, --verbose        Print debugging information to stderr.\n" +
        "   -h, --help           Print this help message and exit.\n" +
        "   -V, --version        Print the current version and exit.\n" +
        "   --wait-descendants SECONDS\n" +
        "                        When the command exits, TERM the remaining descendants,\n" +
        "                        wait up to SECONDS, then KILL them (Init; also\n" +
        $"                        {Grace.Variable}).\n\n" +
        "Full help is available online at https://github.com/Yelp/dumb-init\n";
}
