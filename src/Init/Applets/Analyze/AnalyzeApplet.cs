using Init.Interop;
using Init.Runtime;
using Init.Supervision;
using Init.Timeline;

namespace Init.Applets.Analyze;

/// <summary>
/// <c>init analyze</c>: this boot's timeline, as systemd-analyze shows systemd's. Parse the words,
/// read PID 1's and the supervisors' files (<see cref="TimelineReader"/>), print. Read-only.
/// </summary>
public static class AnalyzeApplet
{
    /// <summary><c>init analyze --help</c> (or -h), also after a usage error: docs/man/analyze.md shows the same text.</summary>
    public const string Help = """
        usage: init analyze [blame | critical-chain [SERVICE...] | plot]

        This boot's timeline, as systemd-analyze shows systemd's: where the boot's time went. Read-only.

          (none)          the boot's time (kernel, stage 1, services), blame, and the critical chain
          blame           every service, slowest from start to ready first, with its start and ready times
          critical-chain  what the service ready last (or each SERVICE) waited for, back to stage 2
          plot            the boot as an SVG picture on stdout (init analyze plot > boot.svg)
          -h --help       this help

        reads INIT_TIMELINE (default /run/init/timeline: PID 1's stages, service/NAME per service) and
        SVDIR (default: the service directory PID 1 named there, else /etc/service)
        exit: 0 done; 1 the boot has not finished (a service not ready) or a file was bad (said);
              100 usage, or no timeline to read; 111 the timeline cannot be read
        """;

    public static int Run(string name, string[] args)
    {
        if (args is ["-h"] or ["--help"]) return AppletTable.PrintHelp(Help);
        string command = args.Length == 0 ? "" : args[0];
        if (command is not ("" or "blame" or "critical-chain" or "plot") || (command is "blame" or "plot" && args.Length > 1))
        {
            Output.Err($"init analyze: fatal: unknown command: {Printable.Of(string.Join(' ', args), 64, more: "...")}\n{Help}\n");
            return 100;
        }

        string directory = Environment.GetEnvironmentVariable(ServiceTimeline.Variable) is { Length: > 0 } given ? given : ServiceTimeline.DefaultDirectory;
        int warnings = 0;
        var boot = TimelineReader.Read(directory, Environment.GetEnvironmentVariable("SVDIR"), message =>
        {
            warnings++;
            Output.Err($"init analyze: warning: {message}\n");
        }, out int errno);
        if (boot is null)
        {
            bool missing = errno is Consts.ENOENT or Consts.ENOTDIR;
            Output.Err(missing
                ? $"init analyze: fatal: no timeline in {directory}: PID 1 is not Init, or was not booted by a kernel (set INIT_TIMELINE for a container)\n"
                : $"init analyze: fatal: unable to read {directory}: {ErrorText.Of(errno)}\n");
            return missing ? 100 : 111;
        }
        if (boot.Services.All(s => !s.Recorded) && boot.Stages is null)
        {
            Output.Err($"init analyze: fatal: nothing recorded in {directory}\n");
            return 100;
        }

        switch (command)
        {
            case "blame": Output.Out(AnalysisText.Blame(boot)); break;
            case "plot": Output.Out(TimelineSvg.Render(boot)); break;
            case "critical-chain":
                var targets = args.Length > 1 ? args[1..].Select(n => (n, boot.Find(n))).ToList() : [(boot.Last?.Name ?? "", boot.Last)];
                foreach (var (wanted, target) in targets)
                {
                    if (target is null)
                    {
                        warnings++;
                        Output.Err(wanted.Length == 0 ? "init analyze: warning: no service is ready yet\n" : $"init analyze: warning: {Printable.Of(wanted, 64, more: "...")}: no such service in the timeline\n");
                        continue;
                    }
                    Output.Out(AnalysisText.Chain(boot, target));
                }
                break;
            default: Output.Out(AnalysisText.Report(boot)); break;
        }
        return warnings > 0 || boot.FinishedMs is null ? 1 : 0;
    }
}
