using Init.Interop;

namespace Init.Supervision;

public sealed partial class ServiceSupervisor
{
    /// <summary>
    /// The internal applet that sets <c>LISTEN_PID</c> to its own pid and execs ./run: systemd sets
    /// it in the forked child, but we spawn (posix_spawn, never fork), so the pid is not known
    /// while the environment is made. The exec keeps the pid, and sd_listen_fds() checks exactly that.
    /// </summary>
    public const string ListenPidApplet = "listen-pid";

    /// <summary>
    /// Held sockets (Init's <c>listen</c> file, <see cref="ListenFile"/>): bound by the supervisor
    /// before ./run starts, passed with systemd's socket-activation protocol (fds from 3,
    /// <c>LISTEN_FDS</c>, <c>LISTEN_FDNAMES</c>, <c>LISTEN_PID</c>), and kept while the service is
    /// wanted up, so a restart refuses no connection. Released once it is down and wanted down.
    /// </summary>
    private sealed partial class Slot
    {
        private const string Self = "/proc/self/exe";
        private const long BindRetryMs = 1000;

        private readonly ListenSockets _sockets = new();
        private string _listenWarnings = "";
        private string? _bindFailure;

        /// <summary>
        /// Reads <c>listen</c> and binds what it declares; false (./run waits, tried again a second
        /// later) while a socket cannot be bound. Each bad line and each new failure is said once,
        /// not at every retry.
        /// </summary>
        private bool SocketsBound()
        {
            var warnings = new List<string>();
            List<ListenDeclaration> declared;
            try { declared = ListenFile.Read(Directory, warnings.Add); }
            catch (SupervisorError e)
            {
                // Out of descriptors, listen cannot be read: ./run waits as for a socket not bound yet.
                if (e.Message != _bindFailure) _owner._diag.Warn(Prefix + e.Message, e.Errno);
                _bindFailure = e.Message;
                WakeAt(Now + BindRetryMs);
                return false;
            }
            string joined = string.Join("\n", warnings);
            if (joined != _listenWarnings)
            {
                _listenWarnings = joined;
                foreach (var message in warnings) _owner._diag.Warn(Prefix + message);
            }
            string? failure = _sockets.Bind(declared);
            if (failure is null)
            {
                if (_bindFailure is not null) _owner._diag.Info($"{Prefix}{ListenFile.Name}: every socket bound, starting ./run");
                _bindFailure = null;
                return true;
            }
            if (failure != _bindFailure) _owner._diag.Warn($"{Prefix}{ListenFile.Name}: {failure}: ./run waits, retrying every second");
            _bindFailure = failure;
            WakeAt(Now + BindRetryMs);
            return false;
        }

        /// <summary>What the next ./run gets: the sockets at 3, 4, … and the variables that say so (none without sockets).</summary>
        private (int Source, int Target)[] HeldForChild(List<(string Name, string? Value)> environment)
        {
            if (_sockets.Count == 0) return [];
            environment.Add(("LISTEN_FDS", _sockets.Count.ToString()));
            environment.Add(("LISTEN_FDNAMES", _sockets.Names));
            environment.Add(("LISTEN_PID", null));   // set by the listen-pid applet, to the pid that execs ./run
            return _sockets.ForChild();
        }

        /// <summary>./run through the listen-pid applet (this very executable) when it gets sockets; argv is then that applet's.</summary>
        private static (string Path, string[] Arguments) RunThroughListenPid(string[] argv) => (Self, [ListenPidApplet, .. argv]);

        /// <summary>A held socket's number that a <c>notification-fd</c> asks for too: the sockets keep systemd's numbers.</summary>
        private bool CollidesWithSockets(int number) => number >= ListenSockets.FirstFd && number < ListenSockets.FirstFd + _sockets.Count;

        /// <summary>The numbers the sockets take, as a message says them: "3", "3 to 5".</summary>
        private string SocketFds => _sockets.Count == 1 ? $"{ListenSockets.FirstFd}" : $"{ListenSockets.FirstFd} to {ListenSockets.FirstFd + _sockets.Count - 1}";

        /// <summary>After every event: a service that is down and wanted down (d, x) lets its addresses go, so clients are refused, not queued for nobody.</summary>
        public void ReleaseSocketsWhenDown()
        {
            if (_sockets.Count == 0 || Process.Pid != 0 || Process.State != RunState.Down || Process.Want == Want.Up) return;
            _sockets.Close();
            _bindFailure = null;
        }

        private void CloseSockets() => _sockets.Dispose();
    }
}
