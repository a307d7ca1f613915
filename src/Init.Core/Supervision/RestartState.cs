using System.Text;
using Init.Interop;
using Init.Runtime;

namespace Init.Supervision;

/// <summary>
/// <c>supervise/restart</c>, Init's file beside runit's (never part of <c>status</c>): how often
/// ./run was started again, how its last run ended, and the restart policy's state. The supervisor
/// writes it (<see cref="Format"/>) once ./run has exited, or from the start for a service with a
/// backoff or a restart limit; sv, the container and the metrics read it (<see cref="Read"/>). One
/// field per line, <c>NAME VALUE</c>; readers skip names they do not know.
/// </summary>
/// <param name="DelayMs">The backoff's current delay (0: none).</param>
/// <param name="NextStart">Unix time of the pending start, e.g. <c>1764592313.250</c> (<c>0.000</c>: none waits).</param>
/// <param name="Restarts">Starts of ./run after the first, by this supervisor.</param>
/// <param name="LastExit"><c>exit N</c>, <c>signal N</c>, <c>signal 9 (oom)</c> (killed by the OOM killer) or <c>unknown</c> (an adopted process); null before the first exit.</param>
/// <param name="Deaths">Deaths within the restart limit's window; null without a limit.</param>
/// <param name="Failed">The restart limit was reached.</param>
public sealed record RestartState(long DelayMs, string NextStart, int Restarts, string? LastExit, int? Deaths, bool Failed)
{
    public const string File = "restart";

    /// <summary>How a wait status reads in <see cref="LastExit"/>; <paramref name="oom"/>: the OOM killer sent the signal (<c>signal 9 (oom)</c>).</summary>
    public static string ExitText(int waitStatus, bool oom = false) => waitStatus == EventLoop.UnknownStatus ? "unknown"
        : WaitStatus.Signaled(waitStatus) ? $"signal {WaitStatus.TermSignal(waitStatus)}{(oom ? OomSuffix : "")}" : $"exit {WaitStatus.ExitCode(waitStatus)}";

    public const string OomSuffix = " (oom)";

    /// <summary>The exit code a container ends with for <see cref="LastExit"/>: N, 128+N for a signal, 1 when unknown.</summary>
    public static int ExitCode(string lastExit) =>
        lastExit.StartsWith("signal ", StringComparison.Ordinal) ? 128 + (int)Digits.Scan(lastExit[7..])
        : lastExit.StartsWith("exit ", StringComparison.Ordinal) ? (int)Digits.Scan(lastExit[5..]) : 1;

    public string Format()
    {
        var text = new StringBuilder($"delay_ms {DelayMs}\nnext_start {NextStart}\nrestarts {Restarts}\n");
        if (LastExit is not null) text.Append($"last_exit {LastExit}\n");
        if (Deaths is { } deaths) text.Append($"deaths {deaths}\nfailed {(Failed ? 1 : 0)}\n");
        return text.ToString();
    }

    /// <summary>The state in <paramref name="supervise"/>, or null when there is no such file (runit's runsv, or nothing to say yet).</summary>
    public static RestartState? Read(string supervise)
    {
        Span<byte> buffer = stackalloc byte[512];
        int n = Sys.ReadFile(Path.Combine(supervise, File), buffer);
        if (n <= 0) return null;
        var state = new RestartState(0, "0.000", 0, null, null, false);
        foreach (var (_, name, value) in FieldLines.Of(Encoding.ASCII.GetString(buffer[..n])))
        {
            state = name switch
            {
                "delay_ms" => state with { DelayMs = (long)Digits.Scan(value) },
                "next_start" => state with { NextStart = value },
                "restarts" => state with { Restarts = (int)Digits.Scan(value) },
                "last_exit" => state with { LastExit = value },
                "deaths" => state with { Deaths = (int)Digits.Scan(value) },
                "failed" => state with { Failed = value == "1" },
                _ => state,
            };
        }
        return state;
    }
}
