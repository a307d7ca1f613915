using System.Text;
using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Supervision;

public sealed partial class ServiceSupervisor
{
    /// <summary>
    /// systemd's sd_notify protocol for a service with a <c>notify-socket</c> file: ./run gets
    /// <c>NOTIFY_SOCKET</c>, a datagram socket of the supervisor's in the abstract namespace (so a
    /// service running as any user reaches it), and says <c>READY=1</c> (ready, as with
    /// notification-fd), <c>STATUS=…</c> (a line of text, published beside the readiness),
    /// <c>STOPPING=1</c> (not ready any more), <c>WATCHDOG=1</c> / <c>WATCHDOG=trigger</c> (with a
    /// <c>watchdog-timeout</c> file, which also sets WATCHDOG_USEC) and <c>EXTEND_TIMEOUT_USEC=</c>.
    /// Only ./run's process and its descendants are heard: the kernel names each datagram's sender.
    /// </summary>
    private sealed partial class Slot
    {
        public const string NotifySocketFile = NotifyMessage.SocketFile;
        private const int MaxDatagram = 4096;
        private static int s_sockets;

        private int _notifySocket = -1;
        private string? _notifyName;
        private string? _statusText;

        /// <summary>NOTIFY_SOCKET for the next ./run when the service asks for it, opening the socket the first time; null otherwise.</summary>
        private string? NotifySocketFor()
        {
            if (Sys.Stat(Path.Combine(Directory, NotifySocketFile), out _) < 0)
            {
                if (Sys.Errno != ENOENT) _owner._diag.Warn($"unable to stat {Prefix}{NotifySocketFile}", Sys.Errno);
                return null;
            }
            if (_notifySocket < 0)
            {
                string name = $"init/notify/{Sys.GetPid()}/{++s_sockets}";
                int fd = Sys.AbstractDatagramSocket(name);
                if (fd < 0) { _owner._diag.Warn($"unable to open the socket for {Prefix}{NotifySocketFile}", Sys.Errno); return null; }
                _notifySocket = fd;
                _notifyName = "@" + name;
                _owner._loop.Watch(fd, () => _owner.Guarded(OnNotifyDatagrams));
            }
            _statusText = null;
            return _notifyName;
        }

        private void OnNotifyDatagrams()
        {
            Span<byte> buffer = stackalloc byte[MaxDatagram];
            while (true)
            {
                int n = Sys.ReceiveFrom(_notifySocket, buffer, out int sender, out bool truncated);
                if (n < 0) return;
                if (truncated) { _owner._diag.Warn($"{Prefix}{NotifySocketFile}: a datagram over {MaxDatagram} bytes from pid {sender}: ignored"); continue; }
                if (Process.Pid == 0 || !IsOwnProcess(sender))
                {
                    _owner._diag.Warn($"{Prefix}{NotifySocketFile}: a message from pid {sender}, not the service's: ignored");
                    continue;
                }
                bool changed = false;
                foreach (var assignment in NotifyMessage.Parse(buffer[..n]))
                {
                    changed |= assignment.Kind != NotifyKind.Watchdog;
                    switch (assignment.Kind)
                    {
                        case NotifyKind.Ready: Process.Notified(Process.Pid); break;
                        case NotifyKind.Status: _statusText = assignment.Text; Publish(Process); break;
                        case NotifyKind.Stopping: Process.Stopping(); break;
                        case NotifyKind.Watchdog: Process.WatchdogPing(); break;
                        case NotifyKind.WatchdogTrigger: Process.WatchdogTrigger(); break;
                        case NotifyKind.ExtendTimeout: Process.ExtendTimeout((long)Math.Min(assignment.Microseconds / 1000, (ulong)ServicePolicy.MaxMs)); break;
                        case NotifyKind.BadExtendTimeout:
                            _owner._diag.Warn($"{Prefix}{NotifySocketFile}: EXTEND_TIMEOUT_USEC not a number of microseconds: \"{assignment.Text}\": ignored");
                            break;
                    }
                }
                if (changed) _owner.AfterEvent();
            }
        }

        /// <summary>./run's process or one of its descendants (a sender gone before its message was read cannot be told, and is not heard).</summary>
        private bool IsOwnProcess(int pid)
        {
            for (int hops = 0; pid > 1 && hops < 64; hops++)
            {
                if (pid == Process.Pid) return true;
                pid = ParentOf(pid);
            }
            return false;
        }

        private static int ParentOf(int pid) => ProcStat.Of(pid)?.ParentPid ?? 0;

        private void CloseNotifySocket()
        {
            if (_notifySocket < 0) return;
            _owner._loop.Unwatch(_notifySocket);
            Sys.Close(_notifySocket);
            _notifySocket = -1;
        }
    }
}
