using System.Text;
using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Supervision;

/// <summary>
/// One cgroup v2 directory and the interface files Init uses: who is in it (<c>cgroup.procs</c>),
/// whether anything is (<c>cgroup.events</c>), ending all of it (<c>cgroup.kill</c>), freezing it
/// (<c>cgroup.freeze</c>), its limits and its figures (<c>memory.current</c>, <c>cpu.stat</c>,
/// <c>memory.events</c>). Every call returns 0 or an errno, or null for a figure it cannot read.
/// </summary>
public sealed class Cgroup(string path)
{
    public const string Procs = "cgroup.procs", Events = "cgroup.events", Kill = "cgroup.kill", Freeze = "cgroup.freeze",
        Controllers = "cgroup.controllers", SubtreeControl = "cgroup.subtree_control";

    public string Path { get; } = path;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>Creates the directory and any missing parent (mode 0755); an existing one is fine.</summary>
    public int Create()
    {
        if (Sys.Mkdir(Path, 0b111_101_101) == 0 || Sys.Errno == EEXIST) return 0;
        if (Sys.Errno != ENOENT || System.IO.Path.GetDirectoryName(Path) is not { } parent || parent == Path) return Sys.Errno;
        int rc = new Cgroup(parent).Create();
        if (rc != 0) return rc;
        return Sys.Mkdir(Path, 0b111_101_101) == 0 || Sys.Errno == EEXIST ? 0 : Sys.Errno;
    }

    public int Write(string name, string value) => Sys.WriteFile(File(name), value) == 0 ? 0 : Sys.Errno;

    /// <summary>Moves process <paramref name="pid"/> (all its threads) here.</summary>
    public int Place(int pid) => Write(Procs, pid.ToString());

    /// <summary>The processes here now (not those of child cgroups); empty when unreadable.</summary>
    public List<int> Processes()
    {
        var pids = new List<int>();
        if (Read(Procs, 1 << 16) is not { } text) return pids;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            if (int.TryParse(line, out int pid) && pid > 0) pids.Add(pid);
        return pids;
    }

    /// <summary>A process is here or in a cgroup below (<c>cgroup.events</c>' <c>populated 1</c>).</summary>
    public bool Populated => Field(Events, "populated") is > 0;

    /// <summary>
    /// SIGKILL to every process here and below, at once (<c>cgroup.kill</c>, Linux 5.14): nothing
    /// forked meanwhile escapes. Older kernels: frozen first, then killed one by one, then thawed.
    /// </summary>
    public int KillAll()
    {
        int rc = Write(Kill, "1");
        if (rc != ENOENT) return rc;
        int frozen = SetFrozen(true);
        foreach (int pid in Processes()) Sys.Kill(pid, SIGKILL);
        if (frozen == 0) SetFrozen(false);
        return 0;
    }

    /// <summary>Sends <paramref name="signo"/> to each process here (a stop signal for the whole service, not only its ./run).</summary>
    public void SignalAll(int signo)
    {
        foreach (int pid in Processes()) Sys.Kill(pid, signo);
    }

    public int SetFrozen(bool frozen) => Write(Freeze, frozen ? "1" : "0");

    /// <summary>Bytes in use (<c>memory.current</c>); null without the memory controller.</summary>
    public long? MemoryBytes => Read("memory.current", 64) is { } text && long.TryParse(text.Trim(), out long bytes) ? bytes : null;

    /// <summary>CPU time used, in microseconds (<c>cpu.stat</c>'s <c>usage_usec</c>, there without any controller).</summary>
    public long? CpuMicroseconds => Field("cpu.stat", "usage_usec");

    /// <summary>Processes the OOM killer ended here (<c>memory.events</c>' <c>oom_kill</c>); null without the memory controller.</summary>
    public long? OomKills => Field("memory.events", "oom_kill");

    /// <summary>The value of line <c>KEY N</c> of a flat-keyed file.</summary>
    public long? Field(string name, string key)
    {
        if (Read(name, 4096) is not { } text) return null;
        foreach (var line in text.Split('\n'))
            if (line.Length > key.Length && line.StartsWith(key, StringComparison.Ordinal) && line[key.Length] == ' '
                && long.TryParse(line.AsSpan(key.Length + 1), out long value))
                return value;
        return null;
    }

    /// <summary>The words of <c>cgroup.controllers</c>: what this cgroup's parent lets it use.</summary>
    public string[] AvailableControllers() =>
        Read(Controllers, 512)?.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries) ?? [];

    /// <summary>Lets the cgroups below use <paramref name="controllers"/> (those not available here are left out); 0 or the errno.</summary>
    public int Delegate(IEnumerable<string> controllers)
    {
        var available = AvailableControllers();
        var wanted = controllers.Where(available.Contains).ToList();
        return wanted.Count == 0 ? 0 : Write(SubtreeControl, string.Join(' ', wanted.Select(c => "+" + c)));
    }

    /// <summary>Removes the directory (it must be empty of processes and child cgroups).</summary>
    public int Remove() => Sys.Rmdir(Path) == 0 || Sys.Errno == ENOENT ? 0 : Sys.Errno;

    /// <summary>
    /// The file's text, at most <paramref name="max"/> bytes. Read on the stack first: these files
    /// are mostly a line or a few, and one is read at every start of a service (<c>cgroup.procs</c>),
    /// where a fresh 64 KiB array each time filled the engine's heap with garbage (80 KiB per service).
    /// </summary>
    public string? Read(string name, int max)
    {
        Span<byte> small = stackalloc byte[Math.Min(max, SmallRead)];
        int n = Sys.ReadFile(File(name), small);
        if (n < 0) return null;
        if (n < small.Length || max <= SmallRead) return Encoding.UTF8.GetString(small[..n]);
        var buffer = new byte[max];
        n = Sys.ReadFile(File(name), buffer);
        return n < 0 ? null : Encoding.UTF8.GetString(buffer, 0, n);
    }

    private const int SmallRead = 4096;
}
