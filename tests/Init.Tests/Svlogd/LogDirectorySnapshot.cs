using System.Text;
using System.Text.RegularExpressions;

namespace Init.Tests.Svlogd;

/// <summary>A log directory as a comparable text: every file in name order with its kind, mode and content, timestamps aside.</summary>
public static partial class LogDirectorySnapshot
{
    public static string Of(string dir, Func<string, string>? normalize = null)
    {
        var text = new StringBuilder();
        foreach (var path in Directory.GetFiles(dir).OrderBy(p => p, StringComparer.Ordinal))
        {
            string name = Path.GetFileName(path);
            if (name == "lock") continue;
            // @<tai64n>.s: the time differs between runs, the kind and position do not.
            string shown = name.Length == 27 && name[0] == '@' ? "@*." + name[26] : name;
            var mode = Convert.ToString((int)File.GetUnixFileMode(path), 8);
            string content = File.ReadAllText(path);
            if (normalize is not null) content = normalize(content);
            text.Append($"== {shown} {mode}\n{content}");
        }
        return text.ToString();
    }

    /// <summary>Replaces -t/-tt/-ttt stamps by a fixed word.</summary>
    public static string WithoutStamps(string content) => Stamp().Replace(content, "STAMP ");

    [GeneratedRegex(@"(@[0-9a-f]{24}|\d{4}-\d\d-\d\d[_T]\d\d:\d\d:\d\d\.\d{5}) ")]
    private static partial Regex Stamp();

    /// <summary>All lines of the archives (name order) then current.</summary>
    public static List<string> Lines(string dir)
    {
        var lines = new List<string>();
        var files = Directory.GetFiles(dir, "@*").OrderBy(p => p, StringComparer.Ordinal).ToList();
        if (File.Exists(Path.Combine(dir, "current"))) files.Add(Path.Combine(dir, "current"));
        foreach (var f in files)
        {
            try { lines.AddRange(File.ReadAllLines(f)); }
            catch (FileNotFoundException) { }
        }
        return lines;
    }
}
