using System.Diagnostics;
using Init.Tests.Support;

namespace Init.Tests.Pid1;

/// <summary>
/// Our init as PID 1 of a fresh PID namespace (<c>unshare --fork --pid --mount-proc</c>), with
/// the applet links first in PATH (so runsvdir starts our runsv). Killed on dispose.
/// </summary>
public sealed class NamespacedInit : IDisposable
{
    private readonly Process _unshare;
    private readonly string _log;

    public TempDirectory Temp { get; }

    public NamespacedInit(TempDirectory temp, IEnumerable<string> initArguments, IDictionary<string, string?>? environment = null, string? wrapper = null)
    {
        Temp = temp;
        _log = temp.Path;
        var env = new Dictionary<string, string?>
        {
            ["PATH"] = Binary.Directory + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        };
        if (environment is not null) foreach (var (k, v) in environment) env[k] = v;
        var args = new List<string> { "--fork", "--pid", "--mount-proc" };
        if (wrapper is not null) args.AddRange(["/bin/sh", "-c", wrapper + "; exec \"$0\" \"$@\"", Binary.Init]);
        else args.Add(Binary.Init);
        args.AddRange(initArguments);
        _unshare = Run.Background("unshare", args, temp.Path, temp.Path, "init", env);
    }

    public string Output => Read("init.err") + Read("init.out");

    private string Read(string name)
    {
        try
        {
            using var s = new FileStream(Path.Combine(_log, name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            return new StreamReader(s).ReadToEnd();
        }
        catch (IOException) { return ""; }
    }

    /// <summary>Host pid of our init (the namespace's PID 1): unshare's only child.</summary>
    public int InitPid
    {
        get
        {
            int pid = 0;
            Run.Until(() => (pid = ChildrenOf(_unshare.Id).FirstOrDefault()) > 0, 5000);
            return pid;
        }
    }

    public static List<int> ChildrenOf(int pid)
    {
        var result = new List<int>();
        foreach (var task in Directory.GetDirectories($"/proc/{pid}/task"))
        {
            string text;
            try { text = File.ReadAllText(Path.Combine(task, "children")); } catch (IOException) { continue; }
            foreach (var w in text.Split(' ', StringSplitOptions.RemoveEmptyEntries)) result.Add(int.Parse(w));
        }
        return result;
    }

    /// <summary>(pid, state, comm) of every process whose parent is <paramref name="parent"/>.</summary>
    public static List<(int Pid, char State, string Name)> Stat(int parent)
    {
        var list = new List<(int, char, string)>();
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out int pid)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); } catch (IOException) { continue; }
            int close = stat.LastIndexOf(')');
            var f = stat[(close + 2)..].Split(' ');
            if (int.Parse(f[1]) == parent) list.Add((pid, f[0][0], Argv0(pid) ?? stat[(stat.IndexOf('(') + 1)..close]));
        }
        return list;
    }

    /// <summary>The name a process was started as: our applets all run the one binary, so comm is "init" for each.</summary>
    public static string? Argv0(int pid)
    {
        try
        {
            string cmdline = File.ReadAllText($"/proc/{pid}/cmdline");
            int end = cmdline.IndexOf('\0');
            string first = end >= 0 ? cmdline[..end] : cmdline;
            return first.Length == 0 ? null : Path.GetFileName(first.Split(' ')[0]);
        }
        catch (IOException) { return null; }
    }

    public void Signal(int signo) => Run.Command("/bin/kill", $"-{signo}", InitPid.ToString());

    /// <summary>unshare's exit code (init's, or 128+N when the kernel killed it), null on timeout.</summary>
    public int? WaitForExit(int timeoutMs) => Run.WaitForExit(_unshare, timeoutMs);

    public bool HasExited => _unshare.HasExited;

    public void Dispose()
    {
        if (!_unshare.HasExited)
        {
            int init = 0;
            try { init = ChildrenOf(_unshare.Id).FirstOrDefault(); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            if (init > 0) Run.Command("/bin/kill", ["-9", init.ToString()], cancellable: false);
            _unshare.WaitForExit(5000);
        }
        _unshare.Dispose();
    }
}
