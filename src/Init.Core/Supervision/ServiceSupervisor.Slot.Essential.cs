using Init.Interop;
using Init.Runtime;

namespace Init.Supervision;

public sealed partial class ServiceSupervisor
{
    /// <summary>
    /// A service marked <c>essential</c> (an empty file; multi-service container mode acts on it)
    /// gets its last ./run exit published in <c>supervise/last-exit</c> ("exit N" or "signal N"),
    /// so that the container can end with that code once the service is down for good.
    /// </summary>
    private sealed partial class Slot
    {
        public const string EssentialFile = "essential", LastExitFile = "last-exit";
        private int _exitsPublished;

        private void PublishLastExit()
        {
            if (_isLog || Process.Exits == _exitsPublished || Sys.Stat(Path.Combine(Directory, EssentialFile), out _) < 0) return;
            int status = Process.LastStatus;
            string text = status == ServiceProcess.UnknownStatus ? "unknown\n"
                : WaitStatus.Signaled(status) ? $"signal {WaitStatus.TermSignal(status)}\n" : $"exit {WaitStatus.ExitCode(status)}\n";
            if (Files.PublishOwn(LastExitFile, text, _owner._diag.Warn)) _exitsPublished = Process.Exits;
        }
    }
}
