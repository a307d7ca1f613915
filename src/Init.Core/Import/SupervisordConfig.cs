namespace Init.Import;

/// <summary>
/// A supervisord config in its INI dialect (Python's ConfigParser, as supervisord reads it):
/// <c>[section]</c>, <c>key = value</c> or <c>key: value</c>, comment lines starting with <c>;</c> or
/// <c>#</c>, inline comments after whitespace, indented lines continuing a value, and the files of
/// <c>[include] files =</c> (globs relative to the including file) read in place.
/// </summary>
public sealed class SupervisordConfig
{
    public sealed record Entry(string Section, string Key, string Value, string Source, int Line)
    {
        public override string ToString() => Key + "=" + Value;
    }

    public List<Entry> Entries { get; } = [];
    /// <summary>Every [section] header, in order: its name, file and line.</summary>
    public List<(string Name, string Source, int Line)> Sections { get; } = [];
    public List<string> Problems { get; } = [];

    /// <summary>Reads <paramref name="text"/> (from <paramref name="source"/>) and what it includes; <paramref name="read"/> gives a file's text, or null.</summary>
    public static SupervisordConfig Parse(string text, string source, Func<string, string?> read)
    {
        var config = new SupervisordConfig();
        config.Read(text, source, read, depth: 0);
        return config;
    }

    private void Read(string text, string source, Func<string, string?> read, int depth)
    {
        string section = "";
        Entry? last = null;
        string[] lines = text.Replace("\r\n", "\n").Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string raw = lines[i];
            string line = raw.Trim();
            if (line.Length == 0 || line[0] is ';' or '#') { if (line.Length == 0) last = null; continue; }
            if (char.IsWhiteSpace(raw[0]) && last is not null)
            {
                // A continuation: the value goes on, on a new line.
                var longer = last with { Value = last.Value + "\n" + StripComment(line) };
                Entries[^1] = longer;
                last = longer;
                continue;
            }
            if (line[0] == '[')
            {
                if (line[^1] == ']' && line.Length > 2) Sections.Add((section = line[1..^1].Trim(), source, i + 1));
                else Problems.Add($"{source}:{i + 1}: not a [section]: \"{line}\": ignored");
                last = null;
                continue;
            }
            int separator = line.IndexOfAny(['=', ':']);
            if (separator <= 0) { Problems.Add($"{source}:{i + 1}: not key = value: \"{line}\": ignored"); last = null; continue; }
            last = new Entry(section, line[..separator].Trim().ToLowerInvariant(), StripComment(line[(separator + 1)..].Trim()), source, i + 1);
            Entries.Add(last);
        }

        foreach (var include in Entries.Where(e => e.Section == "include" && e.Key == "files" && e.Source == source).ToList())
        {
            if (depth >= 10) { Problems.Add($"{source}:{include.Line}: [include] nested more than 10 deep: not followed"); continue; }
            foreach (string pattern in include.Value.Split([' ', '\t', '\n'], StringSplitOptions.RemoveEmptyEntries))
                foreach (string file in Glob(Path.Combine(Path.GetDirectoryName(source) ?? ".", pattern)))
                {
                    if (read(file) is { } included) Read(included, file, read, depth + 1);
                    else Problems.Add($"{source}:{include.Line}: [include] {file}: unable to read: ignored");
                }
        }
    }

    /// <summary>ConfigParser's inline comments: a ; or # after whitespace ends the value.</summary>
    private static string StripComment(string value)
    {
        for (int i = 1; i < value.Length; i++)
            if (value[i] is ';' or '#' && char.IsWhiteSpace(value[i - 1])) return value[..i].TrimEnd();
        return value;
    }

    /// <summary>The files matching <paramref name="pattern"/>, a path whose last part may hold * and ?, sorted.</summary>
    private static IEnumerable<string> Glob(string pattern)
    {
        string directory = Path.GetDirectoryName(pattern) ?? ".";
        string name = Path.GetFileName(pattern);
        if (!name.Contains('*') && !name.Contains('?')) return File.Exists(pattern) ? [pattern] : [];
        try { return Directory.GetFiles(directory, name).Order(StringComparer.Ordinal).ToArray(); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    /// <summary>The sections named <c>program:NAME</c>, in order: (name, their entries).</summary>
    public IEnumerable<(string Name, List<Entry> Entries)> Programs() =>
        Entries.Where(e => e.Section.StartsWith("program:", StringComparison.Ordinal))
            .GroupBy(e => e.Section).Select(g => (g.Key["program:".Length..].Trim(), g.ToList()));
}
