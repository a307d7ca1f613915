
namespace Init.Runtime;

/// <summary>
/// POSIX getopt as runit's sgetopt does it: options end at the first non-option or an argument
/// starting with "--" (djb's subgetopt takes "--help" as "--": skipped, options over);
/// "prog: illegal option -- x" / "prog: option requires an argument -- x" on stderr, then '?'.
/// </summary>
public sealed class Getopt(string program, string[] args, string spec, int start = 0)
{
    private int _char = 1;
    public int Index { get; private set; } = start;
    public string Argument { get; private set; } = "";

    /// <summary>The next option character, '?' on error, or -1 when options end.</summary>
    public int Next()
    {
        if (_char == 1)
        {
            if (Index >= args.Length) return -1;
            string a = args[Index];
            if (a.Length < 2 || a[0] != '-') return -1;
            if (a[1] == '-') { Index++; return -1; }
        }
        string arg = args[Index];
        char c = arg[_char++];
        int at = spec.IndexOf(c);
        bool last = _char >= arg.Length;
        if (at < 0 || c == ':')
        {
            if (last) { Index++; _char = 1; }
            Output.Err($"{program}: illegal option -- {c}\n");
            return '?';
        }
        if (at + 1 < spec.Length && spec[at + 1] == ':')
        {
            if (!last) Argument = arg[_char..];
            else if (Index + 1 < args.Length) Argument = args[++Index];
            else
            {
                Index++; _char = 1;
                Output.Err($"{program}: option requires an argument -- {c}\n");
                return '?';
            }
            Index++; _char = 1;
            return c;
        }
        if (last) { Index++; _char = 1; }
        return c;
    }
}
