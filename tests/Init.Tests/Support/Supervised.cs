using System.Diagnostics;
using Init.Interop;
using Init.Supervision;

namespace Init.Tests.Support;

/// <summary>
/// A supervisor of one service directory for the length of a test: a runsv (ours, or runit's for
/// comparison), or our engine (<see cref="Engine"/>: our runsvdir in engine mode over a scan
/// directory that links only this service). Disposing sends it <c>x</c> and kills what is left.
/// </summary>
public sealed class Supervised : IDisposable
{
    public const string RunitRunsv = "/usr/bin/runsv";
    public const string RunitSv = "/usr/bin/sv";
    /// <summary>Pass as the runsv to host the service in our engine instead.</summary>
    public const string Engine = "engine";

    private readonly Process _runsv;
    private readonly bool _engine;
    public string ServiceDirectory { get; }
    public string Runsv { get; }

    /// <param name="environment">Variables for the supervisor (e.g. INIT_RESTARTBACKOFF), beside the engine's own.</param>
    public Supervised(string serviceDirectory, string? runsv = null, string? logDirectory = null, IDictionary<string, string?>? environment = null)
    {
        ServiceDirectory = serviceDirectory;
        Runsv = runsv ?? Binary.Applet("runsv");
        string name = Path.GetFileName(serviceDirectory);
        string logs = logDirectory ?? Path.GetDirectoryName(serviceDirectory)!;
        if (Runsv == Engine)
        {
            _engine = true;
            string scan = Path.Combine(Path.GetDirectoryName(serviceDirectory)!, "." + name + ".engine");
            Directory.CreateDirectory(scan);
            File.CreateSymbolicLink(Path.Combine(scan, name), serviceDirectory);
            _runsv = Run.Background(Binary.Applet("runsvdir"), [scan], scan, logs, name + ".engine",
                new Dictionary<string, string?>(environment ?? new Dictionary<string, string?>()) { ["INIT_SUPERVISION"] = "engine" });
        }
        else
            _runsv = Run.Background(Runsv, [serviceDirectory], serviceDirectory, logs, name + ".runsv", environment);
    }

    /// <summary>The supervising process: the runsv, or the engine.</summary>
    public int RunsvPid => _runsv.Id;

    /// <summary>The supervisor's exit code once it has exited, or null after <paramref name="timeoutMs"/>.</summary>
    public int? WaitForExit(int timeoutMs) => Run.WaitForExit(_runsv, timeoutMs);

    public string Supervise(bool log = false) => Path.Combine(ServiceDirectory, log ? "log/supervise" : "supervise");

    public StatusRecord Status(bool log = false)
    {
        var bytes = File.ReadAllBytes(Path.Combine(Supervise(log), "status"));
        Assert.That(StatusRecord.TryRead(bytes, out var record), Is.True, "status must be 20 bytes");
        return record;
    }

    public bool TryStatus(out StatusRecord record, bool log = false)
    {
        record = default;
        try { return StatusRecord.TryRead(File.ReadAllBytes(Path.Combine(Supervise(log), "status")), out record); }
        catch (IOException) { return false; }
    }

    /// <summary>Waits until supervise/ok exists and the service reports a running pid.</summary>
    public StatusRecord WaitRunning(int timeoutMs = 10_000, bool log = false)
    {
        StatusRecord r = default;
        Assert.That(Run.Until(() => TryStatus(out r, log) && r.State == RunState.Run && r.Pid != 0, timeoutMs), Is.True,
            $"service {(log ? "logger " : "")}never reached run");
        return r;
    }

    /// <summary>
    /// The supervisor has ended: the runsv process exited, or (engine) the engine's supervisor of
    /// this service is gone, which sv sees as supervise/ok without a reader.
    /// </summary>
    public bool Exited => _runsv.HasExited || (_engine && !HasSupervisor);

    /// <summary>Something holds supervise/ok open for reading (sv's test for a live runsv).</summary>
    public bool HasSupervisor => SuperviseClient.HasSupervisor(Supervise());

    /// <summary>
    /// Writes to supervise/control as sv does, without blocking: a blocking open of the FIFO waits
    /// for ever once the supervisor is gone (a Dispose racing its exit hung a whole run). Until the
    /// supervisor has the FIFO open it is tried again for a while; IOException when it never does.
    /// </summary>
    public void Control(string bytes, bool log = false)
    {
        byte[] data = System.Text.Encoding.ASCII.GetBytes(bytes);
        int rc = 0;
        Run.Until(() => (rc = SuperviseClient.Send(Supervise(log), data)) is not (Consts.ENXIO or Consts.ENOENT) || _runsv.HasExited, 5_000);
        if (rc != 0) throw new IOException($"{Supervise(log)}/control: {(rc < 0 ? "short write" : $"errno {rc}")}");
    }

    public void Dispose()
    {
        if (!_runsv.HasExited)
        {
            // The engine stops its services on HUP, as each runsv does on x (TERM would hand them over).
            if (_engine) Run.Kill(_runsv, 1);
            else try { Control("x"); } catch (IOException) { }
            if (!_runsv.WaitForExit(3000)) { try { _runsv.Kill(); } catch (InvalidOperationException) { } }
        }
        // Anything the service or its logger left behind (tests use `exec`, so this is just each run
        // script's pid); a logger that never reads its stdin outlives a runsv killed waiting for it.
        foreach (bool log in new[] { false, true })
            if (TryStatus(out var r, log) && r.Pid != 0) Run.Shell($"kill -9 {r.Pid} 2>/dev/null", cancellable: false);
        _runsv.WaitForExit();
        _runsv.Dispose();
    }
}
