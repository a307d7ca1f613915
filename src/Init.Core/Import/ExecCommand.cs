using System.Globalization;
using System.Text;

namespace Init.Import;

/// <summary>
/// One <c>ExecStart=</c>-style command of a unit (systemd.service(5), "Command lines"): its prefixes
/// and its words after systemd's quoting, C escapes, specifiers and environment substitution.
/// </summary>
public sealed record ExecCommand(string Prefixes, IReadOnlyList<ShellWord> Words)
{
    /// <summary><c>-</c>: a failure of the command is not a failure of the service.</summary>
    public bool IgnoresFailure => Prefixes.Contains('-');
    /// <summary><c>@</c>: the second word is argv[0].</summary>
    public bool SetsArgvZero => Prefixes.Contains('@');
    /// <summary><c>+</c> or <c>!</c>: run as root, whatever User= says (the program drops its privileges itself).</summary>
    public bool RunsAsRoot => Prefixes.Contains('+') || Prefixes.Contains('!');

    /// <summary>The program's words: without the argv[0] word of <c>@</c>.</summary>
    public IEnumerable<ShellWord> Arguments => SetsArgvZero ? Words.Take(1).Concat(Words.Skip(2)) : Words;

    /// <summary>The argv[0] of <c>@</c>, or null.</summary>
    public ShellWord? ArgvZero => SetsArgvZero && Words.Count > 1 ? Words[1] : null;

    /// <summary>
    /// Parses <paramref name="value"/>; null, with the reason in <paramref name="error"/>, when it is no
    /// command. <paramref name="specifier"/> gives what <c>%c</c> stands for (null: unknown, reported).
    /// </summary>
    public static ExecCommand? Parse(string value, Func<char, WordPart?> specifier, out string? error)
    {
        error = null;
        int i = 0;
        while (i < value.Length && value[i] is '-' or '@' or ':' or '+' or '!' or '|') i++;
        string prefixes = value[..i];
        bool expand = !prefixes.Contains(':');
        var words = new List<ShellWord>();
        while (true)
        {
            while (i < value.Length && char.IsWhiteSpace(value[i])) i++;
            if (i == value.Length) break;
            var word = ReadWord(value, ref i, specifier, expand, out error);
            if (word is null) return null;
            if (word.LiteralText == ";") { error = "several commands on one line (;): give each its own line"; return null; }
            words.Add(word);
        }
        if (words.Count == 0) { error = "no command"; return null; }
        if (prefixes.Contains('@') && words.Count < 2) { error = "@ without an argv[0]"; return null; }
        return new ExecCommand(prefixes, words);
    }

    private static ShellWord? ReadWord(string value, ref int i, Func<char, WordPart?> specifier, bool expand, out string? error)
    {
        error = null;
        var parts = new List<WordPart>();
        var literal = new StringBuilder();
        void Flush() { if (literal.Length > 0) { parts.Add(WordPart.Literal(literal.ToString())); literal.Clear(); } }
        char quote = '\0';
        bool literalDollar = false;   // a $ from $$ or \$: never a variable
        for (; i < value.Length; i++)
        {
            char c = value[i];
            if (quote == '\0' && char.IsWhiteSpace(c)) break;
            if (c == quote) { quote = '\0'; continue; }
            if (quote == '\0' && c is '"' or '\'') { quote = c; continue; }
            if (c == '\\')
            {
                if (++i == value.Length) { error = "a backslash at the end"; return null; }
                if (Escape(value, ref i) is not { } escaped) { error = $"an unknown escape \\{value[i]}"; return null; }
                literalDollar |= escaped == "$";
                literal.Append(escaped);
                continue;
            }
            if (c == '%')
            {
                if (++i == value.Length) { error = "a % at the end"; return null; }
                if (value[i] == '%') { literal.Append('%'); continue; }
                if (specifier(value[i]) is not { } part) { error = $"the specifier %{value[i]}, which Init does not know"; return null; }
                if (part.Kind == WordPart.Kinds.Literal) literal.Append(part.Text);
                else { Flush(); parts.Add(part); }
                continue;
            }
            if (c == '$' && expand && i + 1 < value.Length)
            {
                if (value[i + 1] == '$') { literal.Append('$'); literalDollar = true; i++; continue; }
                if (value[i + 1] == '{')
                {
                    int close = value.IndexOf('}', i + 2);
                    if (close > 0 && Shell.IsName(value.AsSpan(i + 2, close - i - 2)))
                    {
                        Flush();
                        parts.Add(WordPart.Variable(value[(i + 2)..close]));
                        i = close;
                        continue;
                    }
                }
            }
            literal.Append(c);
        }
        if (quote != '\0') { error = $"an unclosed {quote}"; return null; }
        Flush();
        // $NAME as a word of its own (quoted or not: systemd substitutes after splitting): split at whitespace.
        if (expand && !literalDollar && parts is [{ Kind: WordPart.Kinds.Literal } only] && only.Text.Length > 1 && only.Text[0] == '$'
            && Shell.IsName(only.Text.AsSpan(1)))
            return new ShellWord([new WordPart(only.Text[1..], WordPart.Kinds.SplitVariable)]);
        return new ShellWord(parts);
    }

    /// <summary>The C escape at <paramref name="i"/> (after its backslash), leaving <paramref name="i"/> on its last character.</summary>
    private static string? Escape(string value, ref int i)
    {
        char c = value[i];
        switch (c)
        {
            case 'a': return "\a";
            case 'b': return "\b";
            case 'f': return "\f";
            case 'n': return "\n";
            case 'r': return "\r";
            case 't': return "\t";
            case 'v': return "\v";
            case 's': return " ";
            case '\\' or '"' or '\'' or ' ' or '$' or '%' or ';': return c.ToString();
            case 'x' when i + 2 < value.Length && int.TryParse(value.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int hex):
                i += 2;
                return ((char)hex).ToString();
            case 'u' when i + 4 < value.Length && int.TryParse(value.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int u):
                i += 4;
                return ((char)u).ToString();
            default:
                if (c is >= '0' and <= '7' && i + 2 < value.Length && value[i + 1] is >= '0' and <= '7' && value[i + 2] is >= '0' and <= '7')
                {
                    int octal = (c - '0') * 64 + (value[i + 1] - '0') * 8 + (value[i + 2] - '0');
                    i += 2;
                    return ((char)octal).ToString();
                }
                return null;
        }
    }
}
