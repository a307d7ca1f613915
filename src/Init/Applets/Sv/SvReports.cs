using Init.Control;
using Init.Interop;
using Init.Runtime;
using Init.Supervision;

namespace Init.Applets.Sv;

/// <summary>
/// Init's words for sv, beside runit's: <c>sv status --json [SERVICE...]</c> and <c>sv metrics
/// [SERVICE...]</c>, over the services named (as runit's sv finds them: a bare name under SVDIR, a
/// path as given) or, without names, every service of SVDIR. Read-only: they send nothing. Exit 0,
/// or 1 when a named service has no directory (it is still listed, with its error).
/// </summary>
public static class SvReports
{
    public static int Run(string[] names, string serviceDirectory, bool json)
    {
        var (reports, missing) = Find(names, serviceDirectory);
        Output.Out(json ? StatusJson.Render(reports) : Metrics.Render(reports));
        return missing == 0 ? 0 : 1;
    }

    /// <summary>The reports of the services named (or every one of <paramref name="serviceDirectory"/>), and how many named ones have no directory (each said on stderr).</summary>
    public static (List<ServiceReport> Reports, int Missing) Find(string[] names, string serviceDirectory)
    {
        var reports = new List<ServiceReport>();
        int missing = 0;
        if (names.Length == 0)
        {
            foreach (var found in (ServiceScan.Read(serviceDirectory, (_, _, _) => { }) ?? []).OrderBy(s => s.Name, StringComparer.Ordinal))
                reports.Add(ServiceReport.Read(found.Name, Path.Combine(serviceDirectory, found.Name)));
        }
        foreach (string name in names)
        {
            string path = name.StartsWith('/') || name.StartsWith('.') ? name : Path.Combine(serviceDirectory, name);
            if (Sys.Stat(path, out var st) < 0 || !st.IsDirectory)
            {
                missing++;
                Output.Err($"warning: {name}: unable to change to service directory: {ErrorText.Of(Sys.Errno == 0 ? Consts.ENOTDIR : Sys.Errno)}\n");
                continue;
            }
            reports.Add(ServiceReport.Read(name, path));
        }
        return (reports, missing);
    }
}
