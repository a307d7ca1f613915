using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Supervision;

/// <summary>
/// One service found in the scanned directory: its entry name, the identity of the directory it
/// leads to, and, for an instance leading into its template, ARG (every instance of a template is
/// one directory, each a service of its own: <see cref="ServiceInstance"/>).
/// </summary>
public readonly record struct FoundService(string Name, ulong Device, ulong Inode, string? Instance = null)
{
    /// <summary>What runsvdir keys a service by: its directory, and the instance when it shares a template's.</summary>
    public (ulong, ulong, string?) Key => (Device, Inode, Instance);
}

/// <summary>
/// runsvdir's directory scan: every entry not starting with '.', followed through symlinks (stat,
/// not lstat), kept when it is a directory, except templates (<c>NAME@</c>). Returns null (and
/// warns) when the directory cannot be read.
/// </summary>
public static class ServiceScan
{
    public static List<FoundService>? Read(string directory, Action<string, string, int> warn)
    {
        int fd = Sys.Open(directory, O_RDONLY | O_DIRECTORY);
        if (fd < 0) { warn("unable to open directory ", directory, Sys.Errno); return null; }
        Sys.Close(fd);
        var found = new List<FoundService>();
        IEnumerable<string> entries;
        try
        {
            entries = Directory.EnumerateFileSystemEntries(directory);
            foreach (string path in entries)
            {
                string name = Path.GetFileName(path);
                if (name.Length == 0 || name[0] == '.' || ServiceInstance.IsTemplate(name)) continue;
                if (Sys.Stat(path, out var st) < 0)
                {
                    warn("unable to stat ", name, Sys.Errno);
                    continue;
                }
                if (!st.IsDirectory) continue;
                string? instance = ServiceInstance.Argument(name) is { } argument
                    && ServiceInstance.SuperviseName(name, Sys.RealDirectory(path)) != "supervise" ? argument : null;
                found.Add(new FoundService(name, st.Device, st.Inode, instance));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warn("unable to read directory ", directory, e is UnauthorizedAccessException ? EACCES : EIO);
            return null;
        }
        return found;
    }

    private const int EIO = 5;
}
