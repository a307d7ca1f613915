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

    /// <summary>Every live process (zombies left out) whose working directory is <paramref name="directory"/>.</summary>
    public static List<int> In(string directory)
    {
        string real = Path.GetFullPath(directory);
        var list = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid) || Read(pid) is not { State: not 'Z' }) continue;
            try
            {
                if (new FileInfo($"/proc/{pid}/cwd").LinkTarget == real) list.Add(pid);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
        return list;
    }

    /// <summary>
    /// Of <see cref="In"/>, the processes whose parent is not itself in the directory, less a runsv
    /// (which works there too): the service itself, not its children.
    /// </summary>
    public static List<int> Roots(string directory)
    {
        var all = In(directory).Where(p => Read(p) is { Name: not "runsv" }).ToList();
        return all.Where(p => Read(p) is { } info && !all.Contains(info.ParentPid)).ToList();
    }

    /// <summary>Proportional set size of a process in KiB (its share of the pages it maps).</summary>
    public static long PssKiB(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/smaps_rollup"))
            if (line.StartsWith("Pss:")) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        return 0;
    }

    /// <summary>Resident anonymous memory of a process in KiB (RssAnon: its heaps and stacks, not its mapped files).</summary>
    public static long AnonKiB(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("RssAnon:")) return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]);
        return 0;
    }

    /// <summary>How often the process's main thread went to sleep and woke up (voluntary context switches).</summary>
    public static long Wakeups(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/task/{pid}/status"))
            if (line.StartsWith("voluntary_ctxt_switches:")) return long.Parse(line.Split(':')[1].Trim());
        return 0;
    }
}
