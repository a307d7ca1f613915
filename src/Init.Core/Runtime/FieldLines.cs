namespace Init.Runtime;

/// <summary>
/// The one reading of Init's files beside runit's (<c>supervise/restart</c>, the timeline's):
/// one field per line, <c>NAME VALUE</c>; empty lines skipped, a line without a space is a name
/// with an empty value. Each comes with its line number, for messages about bad ones.
/// </summary>
public static class FieldLines
{
    public static IEnumerable<(int Line, string Name, string Value)> Of(string text)
    {
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Length == 0) continue;
            int space = line.IndexOf(' ');
            yield return space < 0 ? (i + 1, line, "") : (i + 1, line[..space], line[(space + 1)..]);
        }
    }
}
