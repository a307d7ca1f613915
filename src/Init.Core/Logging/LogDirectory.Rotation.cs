using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Logging;

/// <summary>Where a rotation (or a processor's completion) stands, so a pause can resume it.</summary>
internal enum RotationStep { None, WaitProcessor, Fsync, MarkDone, Rename, OpenNew, Finish }

public sealed partial class LogDirectory
{
    private ProcessorStep _processorStep = ProcessorStep.None;
    private int _processorStatus;
    private EventLoop.Timer? _processorRetry;
    private bool _noMoreProcessors;       // exiting: a failed processor is not run again, its .u stays

    private enum ProcessorStep { None, Running, Finishing, Retrying }

    private const int ProcessorRetryMs = 3000;

    public bool ProcessorRunning => _processorStep != ProcessorStep.None;

    /// <summary>
    /// runit's rotate(), one step at a time: wait for a running processor, fsync, mark current
    /// complete (0744), rename it to a fresh @name, open a new current (0644), prune, start the
    /// processor. A failed step is reported and retried later; it never skips ahead.
    /// </summary>
    private bool Rotate()
    {
        while (true)
        {
            switch (_step)
            {
                case RotationStep.WaitProcessor:
                    // Only one processor per directory: wait (and so stop reading) until it is done.
                    if (ProcessorRunning && !FinishProcessor()) return false;
                    _saved = LogFiles.NewArchiveName(_fdDir, Config.Processor is null ? 's' : 'u');
                    _step = RotationStep.Fsync;
                    break;
                case RotationStep.Fsync:
                    if (Sys.Fsync(_fdCurrent) < 0) { report.Pause("unable to fsync current logfile", Name, Sys.Errno); return false; }
                    _step = RotationStep.MarkDone;
                    break;
                case RotationStep.MarkDone:
                    if (Sys.Fchmod(_fdCurrent, ModeDone) < 0) { report.Pause("unable to set mode of current", Name, Sys.Errno); return false; }
                    _step = RotationStep.Rename;
                    break;
                case RotationStep.Rename:
                    if (Sys.RenameAt(_fdDir, "current", _saved!) < 0) { report.Pause("unable to rename current", Name, Sys.Errno); return false; }
                    report.Info($"rename: {Name}/current {_saved} {_writtenSize}");
                    _writtenSize = 0;
                    Sys.Close(_fdCurrent);
                    _fdCurrent = -1;
                    _step = RotationStep.OpenNew;
                    break;
                case RotationStep.OpenNew:
                    // Afresh: whatever took the name since the rename (a planted symlink) is not written through.
                    _fdCurrent = Sys.CreateNewAt(_fdDir, "current", ModeOpen, O_WRONLY | O_APPEND);
                    if (_fdCurrent < 0) { report.Pause("unable to create new current", Name, Sys.Errno); return false; }
                    Sys.Fchmod(_fdCurrent, ModeOpen);
                    _step = RotationStep.Finish;
                    break;
                case RotationStep.Finish:
                    LogFiles.RemoveOldest(Name, _fdDir, Config.NumMax, _saved![26] == 'u' ? _saved : null, report);
                    StartProcessor();
                    _step = RotationStep.None;
                    return true;
                default:
                    return true;
            }
        }
    }

    /// <summary>Runs the processor on the archive just made: stdin .u, stdout .t, fd 4 state, fd 5 newstate.</summary>
    private void StartProcessor()
    {
        if (Config.Processor is null || _saved is null) return;
        if (_noMoreProcessors) { report.Info($"exiting, not processed: {Name}/{_saved}"); return; }
        report.Info($"processing: {Name}/{_saved}");
        // Never through a symlink: the processor's files are the directory's own (.t and newstate made afresh).
        const int Read = O_RDONLY | O_NOFOLLOW | O_NONBLOCK;
        int input = Sys.OpenAt(_fdDir, _saved, Read);
        int output = Sys.CreateNewAt(_fdDir, _saved[..26] + "t", ModeOpen);
        int state = Sys.OpenAt(_fdDir, "state", Read);
        if (state < 0 && Sys.Errno == ENOENT)
        {
            int created = Sys.OpenAt(_fdDir, "state", O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK, ModeOpen);
            if (created >= 0) Sys.Close(created);
            state = Sys.OpenAt(_fdDir, "state", Read);
        }
        int newState = Sys.CreateNewAt(_fdDir, "newstate", ModeOpen);
        int rc = -1, pid = 0;
        if (input >= 0 && output >= 0 && state >= 0 && newState >= 0)
        {
            rc = Spawner.Spawn(new SpawnRequest
            {
                Path = "/bin/sh",
                Arguments = ["sh", "-c", Config.Processor],
                WorkingDirectory = Name,
                Stdin = input,
                Stdout = output,
                ExtraFds = [(state, 4), (newState, 5)],
                NewSession = false,
            }, out pid);
        }
        int e = Sys.Errno;
        foreach (int fd in (ReadOnlySpan<int>)[input, output, state, newState]) if (fd >= 0) Sys.Close(fd);
        if (rc == 0)
        {
            _processorStep = ProcessorStep.Running;
            loop.WatchChild(pid, status => { _processorStatus = status; _processorStep = ProcessorStep.Finishing; FinishProcessor(); Wake?.Invoke(); });
            return;
        }
        report.Warn("unable to run processor", Name, rc > 0 ? rc : e);
        // The archive stays as .u: nothing is lost, it is just not processed by this run.
    }

    /// <summary>runit's processorstop(): on success .t becomes .s (0744), .u goes, newstate becomes state; on failure rerun.</summary>
    private bool FinishProcessor()
    {
        if (_processorStep is ProcessorStep.Running or ProcessorStep.Retrying) return false;
        if (_processorStep == ProcessorStep.None || _saved is null) return true;
        string unprocessed = _saved, temp = _saved[..26] + "t", done = _saved[..26] + "s";
        bool ok = WaitStatus.Succeeded(_processorStatus);
        if (!ok && _noMoreProcessors)
        {
            GiveUpProcessor();
            return true;
        }
        if (!ok)
        {
            report.WarnX("processor failed, restart", Name);
            Sys.UnlinkAt(_fdDir, temp);
            // runit restarts at once, and spins on a processor that always fails; we pause 3 s.
            // Meanwhile the processor counts as running: the next rotation waits, and so does input.
            _processorStep = ProcessorStep.Retrying;
            _processorRetry = loop.After(ProcessorRetryMs, () =>
            {
                _processorRetry = null;
                _processorStep = ProcessorStep.None;
                StartProcessor();
                if (!ProcessorRunning) Wake?.Invoke();
            });
            return false;
        }
        if (Sys.RenameAt(_fdDir, temp, done) < 0 && Sys.Errno != ENOENT) { report.Pause("unable to rename processed", Name, Sys.Errno); return false; }
        if (Sys.ChmodAt(_fdDir, done, ModeDone) < 0) { report.Pause("unable to set mode of processed", Name, Sys.Errno); return false; }
        if (Sys.UnlinkAt(_fdDir, unprocessed) < 0 && Sys.Errno != ENOENT) Output.Err($"svlogd: warning: unable to unlink: {Name}/{unprocessed}\n");
        if (Sys.RenameAt(_fdDir, "newstate", "state") < 0 && Sys.Errno != ENOENT) { report.Pause("unable to rename state", Name, Sys.Errno); return false; }
        report.Info($"processed: {Name}/{done}");
        _processorStep = ProcessorStep.None;
        return true;
    }

    /// <summary>
    /// SIGTERM: a running processor is waited for, but one that fails is not run again (runit's
    /// svlogd restarts it forever, so a processor that always fails keeps it from ever exiting).
    /// Its archive stays <c>.u</c>, and later rotations keep theirs unprocessed too: nothing is lost.
    /// </summary>
    public void StopProcessing()
    {
        _noMoreProcessors = true;
        if (_processorStep != ProcessorStep.Retrying) return;
        _processorRetry?.Cancel();
        _processorRetry = null;
        GiveUpProcessor();
    }

    private void GiveUpProcessor()
    {
        Sys.UnlinkAt(_fdDir, _saved![..26] + "t");
        report.WarnX("processor failed, exiting with it unprocessed", $"{Name}/{_saved}");
        _processorStep = ProcessorStep.None;
    }

    /// <summary>For shutdown: true once no processor runs or is left to finish (retrying a paused finish).</summary>
    public bool ProcessorIdle() => !ProcessorRunning || FinishProcessor();
}
