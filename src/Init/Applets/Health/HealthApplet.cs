using Init.Applets.Sv;
using Init.Control;
using Init.Runtime;

namespace Init.Applets.Health;

/// <summary>
/// <c>init health [SERVICE...]</c> (every service of <c>$SVDIR</c> without names): the one command
/// for a Docker HEALTHCHECK or a Kubernetes exec probe of a multi-service container. Exit 0 when
/// every service is up, ready where it declares readiness, healthy where it has a check, and its
/// logger runs; else 1, with one line per problem (<c>web: unhealthy</c>). Not an sv word: runit's
/// sv takes a command by its first letter, and <c>sv health</c> means <c>sv hup</c> there.
/// </summary>
public static class HealthApplet
{
    /// <summary><c>init health --help</c> (or -h): docs/man/health.md shows the same text.</summary>
    public const string Help = """
        usage: init health [SERVICE...]

        Exit 0 when every service is up, ready where it declares readiness, healthy where it has a
        health check, and its logger runs: the probe of a multi-service container.

          SERVICE    a name under $SVDIR, or a path starting with / or . (none: every service of $SVDIR)
          -h --help  this help

        prints one line per problem (web: unhealthy) on stdout
        environment: SVDIR (default /etc/service/)
        exit codes: 0 all well, 1 a problem (or a SERVICE without a directory, or no service at all)
        """;

    public static int Run(string name, string[] args)
    {
        if (args is ["-h"] or ["--help"]) return AppletTable.PrintHelp(Help);
        string serviceDirectory = Environment.GetEnvironmentVariable("SVDIR") ?? SvApplet.DefaultServiceDirectory;
        var (reports, missing) = SvReports.Find(args, serviceDirectory);
        int problems = missing;
        foreach (var report in reports)
            foreach (string problem in report.Problems())
            {
                Output.Out($"{report.Name}: {problem}\n");
                problems++;
            }
        if (reports.Count == 0 && missing == 0) { Output.Out($"no service in {serviceDirectory}\n"); return 1; }
        return problems == 0 ? 0 : 1;
    }
}
