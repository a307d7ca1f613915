using System.Collections;
using System.Text;
using Init.Interop;
using Init.Runtime;

namespace Init.Supervision;

/// <summary>One supervisor's descriptors, as passed from an engine to its successor.</summary>
/// <param name="Wants">What the service and its logger are wanted to do ('u', 'd' or 'x'): supervise/status cannot say
/// "exit", and a process that died during the hand-over cannot be adopted to learn it from.</param>
public readonly record struct HandoverRecord(string Directory, (int Lock, int Control, int Ok) Main, (int Lock, int Control, int Ok) Log, int PipeRead, int PipeWrite, (Want Main, Want Log) Wants)
{
    /// <summary>Every descriptor of the record, -1s left out.</summary>
    public IEnumerable<int> Descriptors =>
        new[] { Main.Lock, Main.Control, Main.Ok, Log.Lock, Log.Control, Log.Ok, PipeRead, PipeWrite }.Where(fd => fd >= 0);
}

/// <summary>
/// runit's runsvdir exits at once on SIGTERM while its runsv processes carry on, and stage 3 then
/// stops the services through them with sv. The engine keeps that promise by handing over: it
/// starts a successor that inherits every supervisor's descriptors (the supervise/ locks stay held,
/// the ok FIFOs stay open, so sv never sees a gap), writes what is whose into a memfd, and exits.
/// The successor adopts each service from supervise/status, never rescans, and exits once every
/// service has been told <c>x</c>, exactly as the orphaned runsv processes would.
/// </summary>
public static class Handover
{
    /// <summary>The environment variable that names the inherited memfd in the successor.</summary>
    public const string Variable = "INIT_HANDOVER_FD";

    /// <summary>
    /// Starts the successor: this executable as <c>runsvdir DIRECTORY</c>, in a session of its own,
    /// with every handed-over descriptor at its own number and <paramref name="stderr"/> as its fd 2
    /// (the log pipe of a readproctitle runsvdir has no reader once we are gone). 0 or an errno.
    /// </summary>
    public static int StartSuccessor(string directory, List<(string Name, HandoverRecord Record)> supervisors, int stderr)
    {
        int memfd = Write(supervisors);
        if (memfd < 0) return Sys.Errno;
        var environment = new List<string>();
        foreach (DictionaryEntry e in System.Environment.GetEnvironmentVariables())
        {
            string key = (string)e.Key;
            if (key is not (SupervisionEngine.ModeVariable or Variable)) environment.Add($"{key}={e.Value}");
        }
        environment.Add($"{SupervisionEngine.ModeVariable}={SuccessorMode}");
        environment.Add($"{Variable}={memfd}");
        var fds = supervisors.SelectMany(s => s.Record.Descriptors).Append(memfd).Select(fd => (fd, fd)).ToArray();
        int rc = Spawner.Spawn(new SpawnRequest
        {
            Path = "/proc/self/exe",
            Arguments = ["runsvdir", directory],
            WorkingDirectory = "/",
            Stderr = stderr,
            ExtraFds = fds,
            Environment = environment,
            SignalMask = HeldSignals,
        }, out _);
        Sys.Close(memfd);
        return rc;
    }

    /// <summary>
    /// The signals the successor starts with blocked, and unblocks once it handles them: a HUP or TERM
    /// sent in its first milliseconds (the runtime starting) waits instead of killing it, which would
    /// leave every service running with no supervisor.
    /// </summary>
    public static SignalSet HeldSignals => SignalSet.Of(Consts.SIGHUP, Consts.SIGTERM);

    /// <summary>The value of <see cref="SupervisionEngine.ModeVariable"/> that makes runsvdir a successor.</summary>
    public const string SuccessorMode = "successor";

    /// <summary>Writes the records to a new memfd (no file on disk, no size limit of a pipe); its fd, or -1.</summary>
    public static int Write(IEnumerable<(string Name, HandoverRecord Record)> supervisors)
    {
        var text = new StringBuilder();
        foreach (var (name, r) in supervisors)
        {
            if (name.Contains('\t') || name.Contains('\n') || r.Directory.Contains('\n')) continue;
            text.Append($"{r.Main.Lock} {r.Main.Control} {r.Main.Ok} {r.Log.Lock} {r.Log.Control} {r.Log.Ok} {r.PipeRead} {r.PipeWrite} {(int)r.Wants.Main} {(int)r.Wants.Log} {name}\t{r.Directory}\n");
        }
        int fd = Sys.MemfdCreate("init-handover");
        if (fd < 0) return -1;
        if (Sys.WriteAll(fd, Encoding.UTF8.GetBytes(text.ToString())) < 0 || Sys.Seek(fd, 0) < 0) { Sys.Close(fd); return -1; }
        return fd;
    }

    /// <summary>Reads the records back in the successor (and closes the memfd).</summary>
    public static List<(string Name, HandoverRecord Record)> Read(int fd)
    {
        var bytes = new List<byte>();
        Span<byte> buffer = stackalloc byte[8192];
        int n;
        while ((n = Sys.Read(fd, buffer)) > 0) bytes.AddRange(buffer[..n]);
        Sys.Close(fd);
        var result = new List<(string, HandoverRecord)>();
        foreach (string line in Encoding.UTF8.GetString(bytes.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            int tab = line.IndexOf('\t');
            if (tab < 0) continue;
            string[] f = line[..tab].Split(' ', 11);
            if (f.Length != 11 || !f[..10].All(x => int.TryParse(x, out _))) continue;
            int[] v = f[..10].Select(int.Parse).ToArray();
            if (!Enum.IsDefined((Want)v[8]) || !Enum.IsDefined((Want)v[9])) continue;
            result.Add((f[10], new HandoverRecord(line[(tab + 1)..], (v[0], v[1], v[2]), (v[3], v[4], v[5]), v[6], v[7], ((Want)v[8], (Want)v[9]))));
        }
        return result;
    }
}
