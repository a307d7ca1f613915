namespace Init.Configuration;

/// <summary>
/// The <c>init.KEY=VALUE</c> words of the kernel command line (/proc/cmdline); every other word is
/// the kernel's or another program's business and is skipped.
/// </summary>
public static class KernelCommandLine
{
    /// <summary>The (key, value) pairs of <paramref name="commandLine"/> carrying <paramref name="prefix"/>; quotes as the kernel allows them.</summary>
    public static IEnumerable<(string Key, string Value)> Parse(string commandLine, string prefix)
    {
        foreach (string word in SplitWords(commandLine))
        {
            if (!word.StartsWith(prefix, StringComparison.Ordinal)) continue;
            int eq = word.IndexOf('=');
            if (eq <= prefix.Length) continue;
            yield return (word[prefix.Length..eq], word[(eq + 1)..]);
        }
    }

    /// <summary>Splits on blanks; double quotes group (the kernel's rule: <c>key="a b"</c>) and are dropped.</summary>
    internal static List<string> SplitWords(string text)
    {
        var words = new List<string>();
        var word = new System.Text.StringBuilder();
        bool quoted = false, any = false;
        foreach (char c in text)
        {
            if (c == '"') { quoted = !quoted; any = true; continue; }
            if (!quoted && char.IsWhiteSpace(c))
            {
                if (any) words.Add(word.ToString());
                word.Clear();
                any = false;
                continue;
            }
            word.Append(c);
            any = true;
        }
        if (any) words.Add(word.ToString());
        return words;
    }
}
