using System.Diagnostics;
using Init.Supervision;

namespace Init.Tests.Support;

/// <summary>
/// A runsv (ours, or runit's for comparison) supervising one service directory for the length
/// of a test; disposing sends it <c>x</c> and kills what is left.
/// </summary>
public sealed class Supervised : IDisposable
{
    public const string RunitRunsv = "/usr/bin/runsv";
    public const string RunitSv = "/usr/bin/sv";

    private readonly Process _runsv;
    public string ServiceDirectory { get; }
    public string Runsv { get; }

    public Supervised(string serviceDirectory, string? runsv = null, string? logDirectory = null)
    {
        ServiceDirectory = serviceDirectory;
        Runsv = runsv ?? Binary.Applet("runsv");
        _runsv = Run.Background(Runsv, [serviceDirectory], serviceDirectory, logDirectory ?? Path.GetDirectoryName(serviceDirectory)!,
            Path.GetFileName(serviceDirectory) + ".runsv");
    }

    public int RunsvPid => _runsv.Id;

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

    public bool Exited => _runsv.HasExited;

    public void Control(string bytes, bool log = false)
    {
        using var fifo = new FileStream(Path.Combine(Supervise(log), "control"), FileMode.Open, FileAccess.Write);
        fifo.Write(System.Text.Encoding.ASCII.GetBytes(bytes));
    }

    public void Dispose()
    {
        if (!_runsv.HasExited)
        {
            try { Control("x"); } catch (IOException) { }
            if (!_runsv.WaitForExit(3000)) { try { _runsv.Kill(); } catch (InvalidOperationException) { } }
        }
        // Anything the service left behind (tests use `exec`, so this is just the run script's pid).
        if (TryStatus(out var r) && r.Pid != 0) Run.Shell($"kill -9 {r.Pid} 2>/dev/null", cancellable: false);
        _runsv.WaitForExit();
        _runsv.Dispose();
    }
}
