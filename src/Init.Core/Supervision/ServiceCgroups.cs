using System.Text;
using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Supervision;

/// <summary>
/// The engine's cgroup v2 subtree, below the cgroup it was started in (<c>BASE</c>):
/// <code>
/// BASE/init-etc-service/              one per scanned directory (/etc/service here), stable across restarts
///     supervisor/                     the engine itself: a leaf, so the levels above may delegate controllers
///     services/NAME/run               ./run (and ./finish, control/*, the health check), with limits/
///     services/NAME/log               the logger, with log/limits/
///     services/NAME/control           control/* scripts: the supervisor's helpers, spared when the service's processes are ended
/// </code>
/// The engine moves itself into <c>supervisor/</c> at start; every process it spawns is moved
/// into its service's cgroup as soon as posix_spawn returns (posix_spawn cannot start it there),
/// and whatever the child forked before that lands in <c>supervisor/</c>, which is swept after
/// each move: anything found there but the engine follows the child. So no process of a service
/// stays outside its cgroup, and `sv down` can end all of them.
/// </summary>
public sealed class ServiceCgroups
{
    /// <summary>The controllers the engine delegates to services, where its parent lets it.</summary>
    public static readonly string[] Wanted = ["cpu", "io", "memory", "pids"];

    /// <summary>INIT_CGROUPS: <c>auto</c> (the default: use cgroup v2 where writable) or <c>off</c> (follow the process tree instead).</summary>
    public const string Variable = "INIT_CGROUPS";

    private readonly Cgroup _supervisor;
    private readonly bool _inLeaf;
    private readonly int _self = Sys.GetPid();

    private readonly Cgroup _base;

    private ServiceCgroups(Cgroup @base, Cgroup root, Cgroup supervisor, bool inLeaf, string[] controllers)
    {
        _base = @base;
        Root = root;
        _supervisor = supervisor;
        _inLeaf = inLeaf;
        Controllers = controllers;
    }

    public Cgroup Root { get; }

    /// <summary>The controllers services get (what limits/ can set); empty on a hierarchy without any (this machine's hybrid layout).</summary>
    public string[] Controllers { get; }

    /// <summary>
    /// The subtree for the services of <paramref name="scanned"/>, set up; null (said through
    /// <paramref name="warn"/> when it is not simply off or absent) when cgroups cannot be used here.
    /// </summary>
    public static ServiceCgroups? Open(string scanned, Action<string, int> warn)
    {
        string? setting = Environment.GetEnvironmentVariable(Variable);
        if (setting == "off") return null;
        if (setting is not (null or "" or "auto")) warn($"{Variable}: not auto or off: \"{Runtime.Printable.Of(setting, 40)}\": taken as auto", 0);
        if (OwnCgroupDirectory() is not { } own) return null;
        string unit = UnitName(scanned);
        // A successor started by a hand-over begins in its predecessor's leaf: the same subtree, not one inside it.
        string leaf = Path.Combine(unit, "supervisor");
        if (own.EndsWith("/" + leaf, StringComparison.Ordinal)) own = own[..^(leaf.Length + 1)];
        var @base = new Cgroup(own);
        var root = new Cgroup(Path.Combine(own, unit));
        var supervisor = new Cgroup(Path.Combine(root.Path, "supervisor"));
        int rc = supervisor.Create();
        if (rc != 0)
        {
            // Read-only or not ours (an unprivileged engine): no cgroups, the process tree instead.
            if (rc is not (EACCES or EROFS or EPERM)) warn($"unable to create cgroup {supervisor.Path}", rc);
            return null;
        }
        rc = supervisor.Place(Sys.GetPid());
        if (rc != 0) warn($"unable to move into cgroup {supervisor.Path}; services' forks before they are placed may stay outside their cgroup", rc);
        // Each level delegates to the next: BASE (now without the engine, when it was alone there), the root, services/.
        var services = new Cgroup(Path.Combine(root.Path, "services"));
        services.Create();
        foreach (var level in new[] { @base, root, services }) level.Delegate(Wanted);
        var controllers = services.AvailableControllers().Intersect(Wanted).ToArray();
        return new ServiceCgroups(@base, root, supervisor, inLeaf: rc == 0, controllers);
    }

    /// <summary>The cgroup of <paramref name="service"/>'s ./run or logger, and the service's own above both (which delegates to them).</summary>
    public (Cgroup Service, Cgroup Process) For(string service, bool isLog)
    {
        var parent = new Cgroup(Path.Combine(Root.Path, "services", Escape(service)));
        return (parent, new Cgroup(Path.Combine(parent.Path, isLog ? "log" : "run")));
    }

    /// <summary>
    /// Moves a just-spawned <paramref name="pid"/> into <paramref name="target"/>, then whatever
    /// it forked before the move (found in the engine's own leaf). 0 or the errno of the move.
    /// </summary>
    public int Assign(int pid, Cgroup target)
    {
        int rc = target.Place(pid);
        if (rc != 0 || !_inLeaf) return rc;
        // A fork is either done before the move (its child is in supervisor/ now) or after it (in target).
        for (int pass = 0; pass < 100; pass++)
        {
            bool moved = false;
            foreach (int other in _supervisor.Processes())
                if (other != _self && target.Place(other) == 0) moved = true;
            if (!moved) break;
        }
        return 0;
    }

    /// <summary>
    /// The engine is leaving: back to where it started, and the subtree goes where nothing runs
    /// any more (a successor's engine, a service left running keeps its part).
    /// </summary>
    public void Close()
    {
        if (_inLeaf) _base.Place(_self);
        var services = new Cgroup(Path.Combine(Root.Path, "services"));
        string[] names;
        try { names = System.IO.Directory.GetDirectories(services.Path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { names = []; }
        foreach (var service in names)
        {
            new Cgroup(Path.Combine(service, "run")).Remove();
            new Cgroup(Path.Combine(service, "log")).Remove();
            new Cgroup(Path.Combine(service, "control")).Remove();
            new Cgroup(service).Remove();
        }
        services.Remove();
        _supervisor.Remove();
        Root.Remove();
    }

    /// <summary>A cgroup directory name for any service name: '/' cannot be in one, and names of the kernel's files are avoided.</summary>
    private static string Escape(string name) =>
        name.Replace('/', '_') is var n && (n.StartsWith("cgroup.", StringComparison.Ordinal) || n is "." or "..") ? "_" + n : name.Replace('/', '_');

    /// <summary>systemd's path escaping, shortened: <c>/etc/service</c> is <c>init-etc-service</c>.</summary>
    public static string UnitName(string scanned)
    {
        string full = Path.GetFullPath(scanned).Trim('/');
        var name = new StringBuilder("init-");
        foreach (char c in full) name.Append(c == '/' ? '-' : char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '@' or '-' ? c : '_');
        return name.Length <= 200 ? name.ToString() : name.ToString(0, 180) + "-" + ((uint)full.GetHashCode()).ToString("x8");
    }

    /// <summary>
    /// Where this process's cgroup is in the mounted cgroup v2 hierarchy (<c>/proc/self/mountinfo</c>
    /// and <c>/proc/self/cgroup</c>), or null without one.
    /// </summary>
    public static string? OwnCgroupDirectory()
    {
        string? own = null;
        foreach (var line in ReadLines("/proc/self/cgroup"))
            if (line.StartsWith("0::", StringComparison.Ordinal)) own = line[3..];
        if (own is null) return null;
        foreach (var line in ReadLines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            int dash = Array.IndexOf(fields, "-");
            if (dash < 5 || dash + 1 >= fields.Length || fields[dash + 1] != "cgroup2") continue;
            string mountRoot = Unescape(fields[3]), mountPoint = Unescape(fields[4]);
            if (mountRoot == "/") return mountPoint + (own == "/" ? "" : own);
            if (own == mountRoot || own.StartsWith(mountRoot + "/", StringComparison.Ordinal)) return mountPoint + own[mountRoot.Length..];
        }
        return null;
    }

    /// <summary>mountinfo's octal escapes (<c>\040</c> for a space).</summary>
    private static string Unescape(string field)
    {
        if (!field.Contains('\\')) return field;
        var text = new StringBuilder();
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length && field.AsSpan(i + 1, 3).ToString() is var octal && octal.All(c => c is >= '0' and <= '7'))
            {
                text.Append((char)Convert.ToInt32(octal, 8));
                i += 3;
            }
            else text.Append(field[i]);
        }
        return text.ToString();
    }

    private static string[] ReadLines(string path)
    {
        var buffer = new byte[1 << 16];
        int n = Sys.ReadFile(path, buffer);
        return n <= 0 ? [] : Encoding.UTF8.GetString(buffer, 0, n).Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }
}
