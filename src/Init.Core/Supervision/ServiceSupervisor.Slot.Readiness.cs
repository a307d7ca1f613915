using System.Text;
using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Supervision;

public sealed partial class ServiceSupervisor
{
    /// <summary>
    /// s6's readiness protocol: with a <c>notification-fd</c> file (a descriptor number, 3 or more)
    /// ./run gets the write end of a pipe at that number and writes a newline once it is ready. The
    /// state is published in <c>supervise/readiness</c> ("starting PID" / "ready PID", then
    /// "status TEXT" once an sd_notify STATUS= came, see the Notify part), beside
    /// runit's files and never in <c>status</c>, so that our sv can wait for it.
    /// </summary>
    private sealed partial class Slot
    {
        public const string NotificationFile = "notification-fd";

        private int _notification = -1;
        private int _notifyingPid;
        private bool _declares;

        public bool DeclaresReadiness => _declares;

        /// <summary>A pipe for the next ./run when the service declares readiness; null when it does not (or the file is bad, said once per start).</summary>
        private (int ReadEnd, int WriteEnd, int Number)? OpenNotification()
        {
            _declares = false;
            Span<byte> text = stackalloc byte[32];
            int n = Sys.ReadFile(Path.Combine(Directory, NotificationFile), text);
            if (n < 0)
            {
                if (Sys.Errno != ENOENT) _owner._diag.Warn($"unable to read {Prefix}{NotificationFile}", Sys.Errno);
                return null;
            }
            ReadOnlySpan<byte> digits = text[..n].TrimEnd("\n\t "u8);
            if (Digits.Scan(digits, out ulong number) != digits.Length || digits.Length == 0 || number < 3 || number > 1023)
            {
                _owner._diag.Warn($"{Prefix}{NotificationFile}: not a descriptor number from 3 to 1023: \"{Printable(text[..n])}\": ignored");
                return null;
            }
            if (CollidesWithSockets((int)number))
            {
                _owner._diag.Warn($"{Prefix}{NotificationFile}: {number} is a held socket's descriptor ({ListenFile.Name} passes {SocketFds}): ignored");
                return null;
            }
            if (Sys.Pipe(out int readEnd, out int writeEnd, nonBlocking: true) < 0)
            {
                _owner._diag.Warn($"unable to create a pipe for {Prefix}{NotificationFile}", Sys.Errno);
                return null;
            }
            _declares = true;
            return (readEnd, writeEnd, (int)number);
        }

        private string Prefix => _isLog ? "log/" : "";

        private static string Printable(ReadOnlySpan<byte> bytes) => Runtime.Printable.OfBytes(bytes, 20);

        private void ListenForReadiness(int readEnd, int pid)
        {
            StopListening();
            _notification = readEnd;
            _notifyingPid = pid;
            _owner._loop.Watch(readEnd, () => _owner.Guarded(OnNotification));
        }

        private void OnNotification()
        {
            Span<byte> buffer = stackalloc byte[256];
            int n = Sys.Read(_notification, buffer);
            if (n < 0 && Sys.Errno == EAGAIN) return;
            if (n > 0 && buffer[..n].IndexOf((byte)'\n') < 0) return;   // not a whole line yet
            int pid = _notifyingPid;
            StopListening();                                            // a line, EOF or an error: the protocol is over
            if (n > 0)
            {
                Process.Notified(pid);
                _owner.AfterEvent();
            }
        }

        private void StopListening()
        {
            if (_notification < 0) return;
            _owner._loop.Unwatch(_notification);
            Sys.Close(_notification);
            _notification = -1;
        }

        private void PublishReadiness()
        {
            if (!_declares && Process.Readiness == Readiness.None) return;   // a runit service: no file of ours
            string text = new ReadinessRecord(Process.Readiness, Process.Pid, _statusText).Format();
            Files.PublishOwn(SuperviseDirectory.ReadinessFile, text, _owner._diag.Warn);
        }

        /// <summary>What the previous supervisor published for <paramref name="pid"/>: a ready process stays ready; one still starting cannot be heard any more.</summary>
        private Readiness AdoptedReadiness(int pid)
        {
            string? text = Files.ReadReadiness();
            _declares = text is not null && text.Length > 0;
            var was = ReadinessRecord.Parse(text ?? "").Of(pid);
            // One that was stopping is gone or going: its exit is what comes next, not readiness.
            return was is Readiness.Ready or Readiness.Starting ? was : Readiness.None;
        }
    }
}
