using Init.Interop;

namespace Init.Supervision;

/// <summary>s6-rc's <c>dependencies.d/</c>: the names of the services a service needs, one entry each (empty files or symlinks).</summary>
public static class ServiceDependencies
{
    public const string Directory = "dependencies.d";

    /// <summary>The names in <paramref name="serviceDirectory"/>/dependencies.d, dotfiles left out, sorted; none without the directory.</summary>
    public static string[] Of(string serviceDirectory)
    {
        string directory = Path.Combine(serviceDirectory, Directory);
        if (Sys.Stat(directory, out var st) < 0 || !st.IsDirectory) return [];   // runit's case, without an exception per start
        try
        {
            return System.IO.Directory.GetFileSystemEntries(directory)
                .Select(Path.GetFileName).OfType<string>().Where(n => n.Length > 0 && n[0] != '.').Order(StringComparer.Ordinal).ToArray();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return []; }
    }

    /// <summary>The services in <paramref name="siblings"/> (the scanned directory) whose dependencies.d names <paramref name="name"/>: (name, path).</summary>
    public static IEnumerable<(string Name, string Path)> Dependants(string siblings, string name)
    {
        foreach (var service in ServiceScan.Read(siblings, (_, _, _) => { }) ?? [])
        {
            string path = System.IO.Path.Combine(siblings, service.Name);
            if (service.Name != name && Array.IndexOf(Of(path), name) >= 0) yield return (service.Name, path);
        }
    }
}
