using System.Collections;

namespace Init.Boot;

/// <summary>
/// The environment stage scripts and the scanner get: ours (the kernel's, at boot) plus a PATH
/// when there is none, since the kernel gives PID 1 only HOME and TERM.
/// </summary>
public static class ChildEnvironment
{
    public const string DefaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    public static List<string> Build()
    {
        var list = new List<string>();
        bool hasPath = false;
        foreach (DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            string key = (string)e.Key;
            if (key == "PATH") hasPath = true;
            list.Add($"{key}={e.Value}");
        }
        if (!hasPath) list.Add("PATH=" + DefaultPath);
        list.Sort(StringComparer.Ordinal);
        return list;
    }
}
