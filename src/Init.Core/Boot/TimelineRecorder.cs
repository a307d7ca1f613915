using System.Text;
using Init.Interop;
using Init.Runtime;
using Init.Supervision;
using Init.Timeline;
using static Init.Interop.Consts;

namespace Init.Boot;

/// <summary>
/// PID 1's side of the boot timeline: the stages' times in /run/init/timeline/stages, and
/// INIT_TIMELINE in the environment of stage 2 (our runsvdir, or runit's /etc/runit/2 and what it
/// starts), so every supervisor notes its service's start, readiness and stop in
/// /run/init/timeline/service/NAME. Made at stage 2, once stage 1 has mounted /run (a tmpfs: one
/// timeline per boot). By default only when booted by a kernel: PID 1 of a PID namespace (a
/// container, a test under unshare) may share the host's /run, and must not write over its timeline.
/// INIT_TIMELINE in PID 1's own environment (e.g. on the kernel command line) names another
/// directory, or, empty, none; a container gets one that way. The service directory is written
/// beside (<see cref="ServiceTimeline.ScopeOf"/>): only its services record.
/// </summary>
public sealed class TimelineRecorder(BootLog log, List<string> childEnvironment)
{
    private StageTimeline _stages = new("system", null, null, null);
    private string? _directory;

    /// <summary>
    /// PID 1 started at <paramref name="startedMs"/>; kept in memory until <see cref="Open"/> (/run may
    /// not be mounted yet). Its Main's time, not /proc/self/stat's start time: PID 1 is forked as a
    /// kernel thread long before the kernel, its initcalls and the initramfs done, execs /sbin/init.
    /// </summary>
    public void Begin(string mode, long startedMs) => _stages = new StageTimeline(mode, startedMs, null, null);

    /// <summary>
    /// Makes the directory (a previous boot's service files removed), writes the stages, and passes
    /// INIT_TIMELINE on; <paramref name="byDefault"/>: /run/init/timeline when PID 1 was given no INIT_TIMELINE.
    /// </summary>
    public void Open(bool byDefault, string serviceDirectory)
    {
        string? given = Environment.GetEnvironmentVariable(ServiceTimeline.Variable);
        string? directory = given ?? (byDefault ? ServiceTimeline.DefaultDirectory : null);
        childEnvironment.RemoveAll(e => e.StartsWith(ServiceTimeline.Variable + "=", StringComparison.Ordinal));
        if (string.IsNullOrEmpty(directory)) return;
        string services = Path.Combine(directory, ServiceTimeline.ServicesDirectory);
        foreach (string dir in new[] { Path.GetDirectoryName(directory)!, directory, services })
        {
            if (Sys.Mkdir(dir, 0x1ED /* 0755 */) == 0 || Sys.Errno == EEXIST) continue;
            log.Warn($"no boot timeline: unable to create {dir}: {ErrorText.Of(Sys.Errno)}");
            return;
        }
        try
        {
            foreach (string stale in System.IO.Directory.GetFiles(services)) Sys.Unlink(stale);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        _directory = directory;
        int scope = AtomicFile.Replace(Path.Combine(directory, ServiceTimeline.ScopeFile), Encoding.UTF8.GetBytes(serviceDirectory + "\n"));
        if (scope != 0) log.Warn($"unable to write {Path.Combine(directory, ServiceTimeline.ScopeFile)}: {ErrorText.Of(scope)}");
        childEnvironment.Add($"{ServiceTimeline.Variable}={directory}");
        Save();
    }

    public void Stage2() => Mark(_stages with { Stage2Ms = Sys.MonotonicMs() });

    public void Stage3() => Mark(_stages with { Stage3Ms = Sys.MonotonicMs() });

    private void Mark(StageTimeline stages)
    {
        _stages = stages;
        if (_directory is not null) Save();
    }

    private void Save()
    {
        int errno = AtomicFile.Replace(Path.Combine(_directory!, StageTimeline.File), Encoding.ASCII.GetBytes(_stages.Format()));
        if (errno != 0) log.Warn($"unable to write {Path.Combine(_directory!, StageTimeline.File)}: {ErrorText.Of(errno)}");
    }
}
