using System.Text;

namespace Init.Supervision;

/// <summary>What one sd_notify assignment asks for; <see cref="None"/> for anything Init does not act on.</summary>
public enum NotifyKind : byte { None, Ready, Status, Stopping, Watchdog, WatchdogTrigger, ExtendTimeout, BadExtendTimeout }

/// <summary>One assignment of an sd_notify datagram: its kind, and its text (STATUS=) or microseconds (EXTEND_TIMEOUT_USEC=).</summary>
public readonly record struct NotifyAssignment(NotifyKind Kind, string Text = "", ulong Microseconds = 0);

/// <summary>
/// systemd's sd_notify datagram: newline-separated <c>KEY=VALUE</c> assignments, matched exactly
/// (<c>READY=1</c>, not <c>READY=1x</c> nor <c>ready=1</c>), in the order sent. A STATUS= text is
/// decoded as UTF-8 (invalid bytes replaced), cut to 200 characters, control characters shown as
/// '?'. Pure: any bytes in, never an exception.
/// </summary>
public static class NotifyMessage
{
    public const int MaxStatusLength = 200;

    /// <summary>The empty file in a service directory that gives its ./run a NOTIFY_SOCKET.</summary>
    public const string SocketFile = "notify-socket";

    public static List<NotifyAssignment> Parse(ReadOnlySpan<byte> datagram)
    {
        var assignments = new List<NotifyAssignment>();
        foreach (string line in Encoding.UTF8.GetString(datagram).Split('\n'))
        {
            if (line.Length == 0) continue;
            var assignment = line switch
            {
                "READY=1" => new NotifyAssignment(NotifyKind.Ready),
                "STOPPING=1" => new NotifyAssignment(NotifyKind.Stopping),
                "WATCHDOG=1" => new NotifyAssignment(NotifyKind.Watchdog),
                "WATCHDOG=trigger" => new NotifyAssignment(NotifyKind.WatchdogTrigger),
                _ when line.StartsWith("STATUS=", StringComparison.Ordinal) => new NotifyAssignment(NotifyKind.Status, Printable(line[7..])),
                _ when line.StartsWith("EXTEND_TIMEOUT_USEC=", StringComparison.Ordinal) =>
                    ulong.TryParse(line.AsSpan(20), System.Globalization.NumberStyles.None, null, out ulong usec)
                        ? new NotifyAssignment(NotifyKind.ExtendTimeout, Microseconds: usec)
                        : new NotifyAssignment(NotifyKind.BadExtendTimeout, Printable(line[20..])),
                _ => default,
            };
            if (assignment.Kind != NotifyKind.None) assignments.Add(assignment);
        }
        return assignments;
    }

    /// <summary>At most <see cref="MaxStatusLength"/> characters, control characters as '?': safe in a file and a terminal.</summary>
    public static string Printable(string text) => Runtime.Printable.Of(text, MaxStatusLength);
}
