namespace Init.Tests.Runsvdir;

/// <summary>Process facts from /proc for the runsvdir tests.</summary>
public static class Procs
{
    public readonly record struct Info(int Pid, int ParentPid, char State, int Session, int Group, string Name);

    public static Info? Read(int pid)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            int close = stat.LastIndexOf(')');
            string name = stat[(stat.IndexOf('(') + 1)..close];
            string[] f = stat[(close + 2)..].Split(' ');
            return new Info(pid, int.Parse(f[1]), f[0][0], int.Parse(f[3]), int.Parse(f[2]), name);
        }
        catch (IOException) { return null; }
    }

    public static List<Info> ChildrenOf(int parent)
    {
        var list = new List<Info>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
            if (int.TryParse(Path.GetFileName(dir), out int pid) && Read(pid) is { } info && info.ParentPid == parent)
                list.Add(info);
        return list;
    }

    /// <summary>Gone, or a zombie whose reaping is not ours to do (re-parented after its parent left).</summary>
    public static bool Ended(int pid) => Read(pid) is not { } info || info.State == 'Z';

    public static string[] Arguments(int pid) =>
        File.ReadAllText($"/proc/{pid}/cmdline").TrimEnd('\0').Split('\0');

    public static string[] Fds(int pid) =>
        Directory.GetFileSystemEntries($"/proc/{pid}/fd").Select(Path.GetFileName).OfType<string>().OrderBy(int.Parse).ToArray();
}
