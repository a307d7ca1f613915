namespace Init.Configuration;

/// <summary>
/// init.conf: the INI form Microsoft.Extensions.Configuration reads (<c>Key = value</c>, optional
/// double quotes around the value, <c>[Section]</c> prefixing keys as <c>Section:Key</c>, comment
/// lines starting with ; # or /), read line by line so that a bad line is reported with its number
/// and costs only itself, never the rest of the file.
/// </summary>
public static class IniFile
{
    /// <summary>Every <c>Key = value</c> line in order, with its line number; later lines win when a key repeats.</summary>
    public static List<(int Line, string Key, string Value)> Parse(string text, string name, Action<string> warn)
    {
        var entries = new List<(int, string, string)>();
        string section = "";
        string[] lines = text.Split('\n');
        for (int number = 1; number <= lines.Length; number++)
        {
            string line = lines[number - 1].Trim();
            if (line.Length == 0 || line[0] is ';' or '#' or '/') continue;
            if (line[0] == '[')
            {
                if (line[^1] != ']' || line.Length < 3) { warn($"{name}: line {number}: a section must be [Name]: ignored"); continue; }
                section = line[1..^1].Trim() + ":";
                continue;
            }
            int equals = line.IndexOf('=');
            if (equals <= 0) { warn($"{name}: line {number}: not Key = value: ignored"); continue; }
            string value = line[(equals + 1)..].Trim();
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"') value = value[1..^1];
            entries.Add((number, section + line[..equals].Trim(), value));
        }
        return entries;
    }
}
