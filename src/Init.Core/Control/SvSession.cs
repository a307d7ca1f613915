using System.Text;
using Init.Interop;
using Init.Runtime;
using Init.Supervision;
using static Init.Interop.Consts;

namespace Init.Control;

/// <summary>sv ends at once with this code (runit's <c>done()</c>); the applet catches it.</summary>
public sealed class SvExit(int code) : Exception
{
    public int Code { get; } = code;
}

/// <summary>
/// The per-service work of runit's sv, run with the service directory as the current directory:
/// read <c>supervise/status</c> (after checking on <c>supervise/ok</c> that a runsv is alive),
/// print it, write control bytes, and the wait conditions including <c>./check</c>. stdout is
/// buffered and flushed at the points runit's sv flushes, so partial lines come out the same.
/// </summary>
public sealed class SvSession(SvCommand command, bool lsb)
{
    private readonly StringBuilder _out = new();
    private StatusRecord _status;
    private bool _isLog;

    /// <summary>Failures so far (each fail/warning/timeout/kill line); the exit code, capped at 99.</summary>
    public int Failures { get; set; }
    /// <summary>The service as given on the command line: messages name it so.</summary>
    public string Service { get; set; } = "";
    /// <summary>Its supervise directory, relative to the current one (the service's, or its log/): runit's, or an instance's <c>supervise@ARG</c>.</summary>
    public string Supervise { get; set; } = "supervise";
    /// <summary>TAI64 seconds when sv started, and of "now" (refreshed after each poll sleep, as runit's tnow).</summary>
    public ulong StartTai { get; set; }
    public ulong NowTai { get; set; }

    public static ulong TaiNow() => Tai64N.UnixEpoch + (ulong)Sys.RealTime().Seconds;

    // ---- output ------------------------------------------------------------------------

    public void Puts(string s) => _out.Append(s);

    public void Flush(string s = "")
    {
        _out.Append(s);
        if (_out.Length == 0) return;
        Output.Out(_out.ToString());
        _out.Clear();
    }

    private void Line(string prefix, string message, int errno)
    {
        _out.Append(prefix).Append(Service);
        if (_isLog) _out.Append("/log");
        _out.Append(": ").Append(message);
        if (errno != 0) _out.Append(": ").Append(ErrorText.Of(errno));
        Flush("\n");
    }

    public void Fail(string message, int errno = 0) { Failures++; Line("fail: ", message, errno); }
    public void Warn(string message, int errno = 0) { Failures++; Line("warning: ", message, errno); }
    private void Ok(string message) => Line("ok: ", message, 0);
    private void NotRunning(char act) { if (act == 'x') Ok("runsv not running"); else Fail("runsv not running"); }

    // ---- supervise/ ----------------------------------------------------------------------

    /// <summary>runit's svstatus_get: 1 status read, 0 no runsv (reported), -1 error (reported).</summary>
    public int StatusGet()
    {
        int e = SuperviseClient.Probe(Supervise);
        if (e == ENXIO) { NotRunning(command.Acts[0]); return 0; }
        // Our addition: `sv status` by a user who may read but not write supervise/ shows the
        // recorded status instead of failing (runit: "unable to open supervise/ok: access denied").
        if (e != 0 && !(e == EACCES && command.Act == SvAct.Status))
        {
            Warn("unable to open supervise/ok", e);
            return -1;
        }
        // On failure the previous record stays, as runit's buffer does (status prints it under "log").
        int r = SuperviseClient.ReadStatus(Supervise, out var record, out bool opened);
        if (r == 0) { _status = record; return 1; }
        if (r == -1) Warn("unable to read supervise/status: bad format");
        else Warn(opened ? "unable to read supervise/status" : "unable to open supervise/status", r);
        return -1;
    }

    private uint Pid => (uint)_status.Pid;
    private ulong StatusTai => _status.Since.Seconds;
    private byte State => (byte)_status.State;
    private char Want => _status.Want;
    private bool Paused => _status.Paused;
    private bool TermSent => _status.TermSent;

    /// <summary>runit's svstatus_print: 1 when a process runs, 2 when none, 0 when the down file can't be checked.</summary>
    public int Print(string name)
    {
        bool normallyUp = false;
        if (Sys.Stat("down", out _) < 0)
        {
            if (Sys.Errno != ENOENT)
            {
                Output.Err($"warning: unable to stat {Service}/down: {ErrorText.Of(Sys.Errno)}\n");
                return 0;
            }
            normallyUp = true;
        }
        uint pid = Pid;
        ulong since = StatusTai;
        _out.Append(State switch { 0 => "down: ", 1 => "run: ", 2 => "finish: ", _ => "" });
        _out.Append(name).Append(": ");
        if (State != 0) _out.Append("(pid ").Append(pid).Append(") ");
        _out.Append(NowTai < since ? 0 : NowTai - since).Append('s');
        if (pid != 0 && !normallyUp) _out.Append(", normally down");
        if (pid == 0 && normallyUp) _out.Append(", normally up");
        if (pid != 0 && Paused) _out.Append(", paused");
        if (pid == 0 && Want == 'u') _out.Append(", want up");
        if (pid != 0 && Want == 'd') _out.Append(", want down");
        if (pid != 0 && TermSent) _out.Append(", got TERM");
        // Init's restart limit (never for a runit service: only its supervisor writes the file).
        if (pid == 0 && SuperviseClient.IsFailed(Supervise)) _out.Append(", failed");
        return pid != 0 ? 1 : 2;
    }

    /// <summary>runit's status(): the service, then its logger; LSB mode ends here with 0/3/4.</summary>
    public int Status()
    {
        int r = StatusGet();
        if (r == -1 && lsb) throw new SvExit(4);
        if (r <= 0) return 0;
        int rc = Print(Service);
        _isLog = true;
        if (Sys.Chdir("log") < 0)
        {
            if (Sys.Errno != ENOENT) { _out.Append("; "); Warn("unable to change directory", Sys.Errno); }
            else _out.Append('\n');
        }
        else
        {
            _out.Append("; ");
            // As runit: on -1 the previous record (the service's) is printed under "log".
            if (StatusGet() != 0) { Print("log"); _out.Append('\n'); }
        }
        _isLog = false;
        Flush();
        // 2.3.0: the service's own state decides (2.1.2 let the logger's override it).
        if (lsb) throw new SvExit(rc switch { 1 => 0, 2 => 3, _ => 4 });
        return rc;
    }

    /// <summary>runit's control(): writes the bytes unless the service already wants that.</summary>
    public int Control(string acts)
    {
        if (StatusGet() <= 0) return -1;
        if (Want == acts[0] && (acts[0] != 'd' || TermSent)) return 0;
        int e = SuperviseClient.Send(Supervise, Encoding.ASCII.GetBytes(acts), out bool opened);
        if (e == 0) return 1;
        if (!opened && e == ENXIO) NotRunning(acts[0]);
        else if (!opened) Warn("unable to open supervise/control", e);
        else Warn("unable to write to supervise/control", e < 0 ? 0 : e);
        return -1;
    }

    /// <summary>runit's check(): 1 done (prints "ok: …"), 0 not yet, -1 give up on this service.</summary>
    public int Check(string acts)
    {
        int r = StatusGet();
        if (r == -1) return -1;
        foreach (char a in acts)
        {
            if (r == 0) return a == 'x' ? 1 : -1;
            // 2.3.0's `sv check`: wait for down when the service wants down, for up (+ ./check) otherwise.
            char c = a == 'C' ? (Want == 'd' ? 'd' : 'u') : a;
            uint pid = Pid;
            switch (c)
            {
                case 'x': return 0;
                case 'u':
                    if (State != 1 || !ServiceReadiness.Up(".", Supervise, pid) || !CheckScript()) return 0;
                    break;
                case 'd':
                    if (pid != 0 || State != 0) return 0;
                    break;
                case 't':
                case 'k':
                    if (pid == 0 && Want == 'd') break;
                    if (StartTai > StatusTai || TermSent || !ServiceReadiness.Up(".", Supervise, pid) || !CheckScript()) return 0;
                    break;
                case 'o':
                    if ((pid == 0 && StartTai > StatusTai) || (pid != 0 && Want != 'd')) return 0;
                    break;
                case 'p':
                    if (pid != 0 && !Paused) return 0;
                    break;
                case 'c':
                    if (pid != 0 && Paused) return 0;
                    break;
            }
        }
        _out.Append("ok: ");
        Print(Service);
        Flush("\n");
        return 1;
    }

    /// <summary>
    /// <c>./check</c> decides readiness: absent = ready; run with stdout closed; exit 0 = ready. As
    /// runit: the execute bit is not looked at, and a check that cannot be started counts as ready
    /// (runit's forked child warns and exits 0).
    /// </summary>
    private bool CheckScript()
    {
        if (Sys.Stat("check", out _) < 0)
        {
            if (Sys.Errno == ENOENT) return true;
            Output.Err($"warning: unable to stat {Service}/check: {ErrorText.Of(Sys.Errno)}\n");
            return false;
        }
        var request = new SpawnRequest
        {
            Path = "check",
            Arguments = ["./check"],
            Stdout = SpawnRequest.Closed,
            NewSession = false,
        };
        int rc = Spawner.Spawn(request, out int pid);
        if (rc != 0)
        {
            Output.Err($"warning: unable to run {Service}/check: {ErrorText.Of(rc)}\n");
            return true;
        }
        if (Sys.WaitPid(pid, out int status, 0) != pid)
        {
            Output.Err($"warning: unable to wait for child {Service}/check: {ErrorText.Of(Sys.Errno)}\n");
            return false;
        }
        // runit's wait_exitcode is status >> 8: a check killed by a signal counts as success there too.
        return (status >> 8) == 0;
    }

    /// <summary>The line an expired wait prints: "timeout: " or "kill: " and the status, then k if forced.</summary>
    public void Expired()
    {
        _out.Append(command.Kill ? "kill: " : "timeout: ");
        if (StatusGet() > 0) { Print(Service); Failures++; }
        Flush("\n");
        if (command.Kill) Control("k");
    }
}
