using System.Text;
using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Supervision;

public sealed partial class ServiceSupervisor
{
    /// <summary>
    /// The service's <see cref="ServiceTimeline"/>, when INIT_TIMELINE names a directory or PID 1 made
    /// /run/init/timeline for this service's directory: noted from the process's state after each event, so the state machine knows nothing of
    /// it, and written only when a start, a ready or a stop changed it. Between those an event costs
    /// a comparison of three fields. The logger has none: nothing waits for it.
    /// </summary>
    private sealed partial class Slot
    {
        private string? _timelinePath;
        private bool _timelineOpened, _timelineWarned;
        private ServiceTimeline _timeline = ServiceTimeline.Empty;
        private ObservedProcess _seen;

        /// <summary>Called after every event, before the files are written.</summary>
        private void RecordTimeline()
        {
            if (!_timelineOpened) { OpenTimeline(); return; }
            if (_timelinePath is null) return;
            var now = ObservedProcess.Of(Process);
            bool waiting = _timeline.StartMs is null && _timeline.WaitingMs is null
                && Files.LastPublished(SuperviseDirectory.WaitingFile) is { Length: > 0 };
            if (now == _seen && !waiting) return;
            var next = _timeline.After(_seen, now, waiting, Now, () => ServiceDependencies.Of(Directory));
            _seen = now;
            if (next.Equals(_timeline)) return;
            _timeline = next;
            WriteTimeline();
        }

        /// <summary>
        /// The first call, right after <see cref="Prepare"/>: what a predecessor in this boot noted is
        /// carried on (the engine respawned, a hand-over), and what runs now was adopted, not started.
        /// </summary>
        private void OpenTimeline()
        {
            _timelineOpened = true;
            _seen = ObservedProcess.Of(Process);
            if (_isLog || _owner.Name.Length == 0 || _owner.Name.Contains('/')) return;
            // Given: that directory (empty: none). Not given: PID 1's, if it names this service's directory.
            string? given = Environment.GetEnvironmentVariable(ServiceTimeline.Variable);
            string directory = given ?? ServiceTimeline.DefaultDirectory;
            if (directory.Length == 0) return;
            string? scope = ServiceTimeline.ScopeOf(directory);
            if (scope is null ? given is null : Sys.RealDirectory(scope) != Sys.RealDirectory(_owner._siblings)) return;
            _timelinePath = Path.Combine(directory, ServiceTimeline.ServicesDirectory, _owner.Name);
            Span<byte> buffer = stackalloc byte[ServiceTimeline.MaxBytes];
            int n = Sys.ReadFile(_timelinePath, buffer, ServiceTimeline.Unstalled);
            if (n > 0) _timeline = ServiceTimeline.Parse(Encoding.UTF8.GetString(buffer[..n]), []);
        }

        /// <summary>A failure is said once (the timeline is a report, never worth a retry timer); the next change tries again.</summary>
        private void WriteTimeline()
        {
            byte[] text = Encoding.UTF8.GetBytes(_timeline.Format());
            int errno = AtomicFile.Replace(_timelinePath!, text);
            if (errno == ENOENT && Sys.Mkdir(Path.GetDirectoryName(_timelinePath)!, 0x1ED /* 0755 */) == 0)
                errno = AtomicFile.Replace(_timelinePath!, text);
            if (errno == 0) { _timelineWarned = false; return; }
            if (!_timelineWarned) _owner._diag.Warn($"unable to write its timeline {_timelinePath}", errno);
            _timelineWarned = true;
        }
    }
}
