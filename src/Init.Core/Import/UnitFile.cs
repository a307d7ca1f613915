namespace Init.Import;

/// <summary>One <c>Key=value</c> of a unit file, with the section it is in and the line it starts on.</summary>
public sealed record UnitEntry(string Section, string Key, string Value, int Line)
{
    /// <summary>As a note quotes it: <c>KillMode=process</c>.</summary>
    public override string ToString() => Key + "=" + Value;
}

/// <summary>
/// A systemd unit file in systemd's syntax (systemd.syntax(7)): <c>[Section]</c> headers,
/// <c>Key=value</c> lines, <c>#</c> and <c>;</c> comment lines, and a trailing backslash joining a line
/// with the next (comment lines inside such a value are skipped). Entries keep their order: a
/// repeated key adds to a list, and an empty value resets it, as systemd reads them.
/// </summary>
public sealed class UnitFile
{
    public IReadOnlyList<UnitEntry> Entries { get; }

    /// <summary>Lines that are neither a section, a key nor a comment: (line, text).</summary>
    public IReadOnlyList<(int Line, string Text)> Malformed { get; }

    private UnitFile(List<UnitEntry> entries, List<(int, string)> malformed) => (Entries, Malformed) = (entries, malformed);

    public static UnitFile Parse(string text)
    {
        var entries = new List<UnitEntry>();
        var malformed = new List<(int, string)>();
        string section = "";
        string[] lines = text.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            int number = i + 1;
            string line = lines[i].Trim();
            if (line.Length == 0 || line[0] is '#' or ';') continue;
            if (line[0] == '[')
            {
                if (line[^1] == ']' && line.Length > 2) section = line[1..^1];
                else malformed.Add((number, line));
                continue;
            }
            // A value continues while its line ends in a backslash; comment lines between are skipped.
            while (line.EndsWith('\\') && i + 1 < lines.Length)
            {
                string next = lines[++i].Trim();
                if (next.Length > 0 && next[0] is '#' or ';') continue;
                line = line[..^1].TrimEnd() + " " + next;
            }
            if (line.EndsWith('\\')) line = line[..^1];
            int equals = line.IndexOf('=');
            if (equals <= 0) { malformed.Add((number, line)); continue; }
            entries.Add(new UnitEntry(section, line[..equals].Trim(), line[(equals + 1)..].Trim(), number));
        }
        return new UnitFile(entries, malformed);
    }

    /// <summary>
    /// The values of <paramref name="key"/> in <paramref name="section"/> as systemd accumulates a list:
    /// each entry adds, an empty one clears what came before.
    /// </summary>
    public List<UnitEntry> List(string section, string key)
    {
        var values = new List<UnitEntry>();
        foreach (var entry in Entries)
        {
            if (entry.Section != section || entry.Key != key) continue;
            if (entry.Value.Length == 0) values.Clear();
            else values.Add(entry);
        }
        return values;
    }

    /// <summary>The last value of a single-valued <paramref name="key"/> (later lines win), or null.</summary>
    public UnitEntry? Last(string section, string key) => Entries.LastOrDefault(e => e.Section == section && e.Key == key);
}
