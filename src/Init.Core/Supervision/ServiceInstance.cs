using Init.Interop;

namespace Init.Supervision;

/// <summary>
/// Templates and instances (systemd's <c>name@.service</c> idea on runit's directories): a service
/// directory named <c>NAME@</c> is a template, never supervised itself; an entry <c>NAME@ARG</c> is an
/// instance, supervised with ARG as <c>$1</c> and <c>INSTANCE</c>. An instance is a symlink to its
/// template (then every instance shares the template's files, and each keeps its state in its own
/// <c>supervise@ARG</c>, and <c>log/supervise@ARG</c>, inside it) or a directory of its own (its own
/// <c>supervise/</c>; a missing <c>run</c> or <c>finish</c> is the template's, beside it).
/// </summary>
public static class ServiceInstance
{
    public const string ArgumentVariable = "INSTANCE";
    private const string Supervise = "supervise";

    /// <summary><c>NAME@</c>: one '@', at the end, after a name.</summary>
    public static bool IsTemplate(string name) => name.Length > 1 && name.IndexOf('@') == name.Length - 1;

    /// <summary>ARG of <c>NAME@ARG</c> (what follows the first '@'), or null for any other name.</summary>
    public static string? Argument(string name)
    {
        int at = name.IndexOf('@');
        return at > 0 && at < name.Length - 1 ? name[(at + 1)..] : null;
    }

    /// <summary>The template <c>NAME@</c> of instance <paramref name="name"/>.</summary>
    public static string TemplateName(string name) => name[..(name.IndexOf('@') + 1)];

    /// <summary>
    /// The name of the supervise directory of the service listed as <paramref name="name"/> whose
    /// directory is <paramref name="realDirectory"/>: <c>supervise@ARG</c> for an instance that leads
    /// into its template (a symlink), else runit's <c>supervise</c>.
    /// </summary>
    public static string SuperviseName(string name, string? realDirectory) =>
        Argument(name) is { } argument && realDirectory is not null && IsTemplate(Path.GetFileName(realDirectory))
            ? Supervise + "@" + argument : Supervise;

    /// <summary>The supervise directory of the service at <paramref name="servicePath"/> (its logger's with <paramref name="log"/>).</summary>
    public static string SuperviseOf(string servicePath, bool log = false)
    {
        string name = SuperviseName(Path.GetFileName(servicePath.TrimEnd('/')), Sys.RealDirectory(servicePath));
        return log ? Path.Combine(servicePath, "log", name) : Path.Combine(servicePath, name);
    }
}
