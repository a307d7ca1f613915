using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Supervision;

/// <summary>One service found in the scanned directory: its entry name and the identity of the directory it leads to.</summary>
public readonly record struct FoundService(string Name, ulong Device, ulong Inode);

/// <summary>
/// runsvdir's directory scan: every entry not starting with '.', followed through symlinks (stat,
/// not lstat), kept when it is a directory. Returns null (and warns) when the directory cannot be read.
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
                if (name.Length == 0 || name[0] == '.') continue;
                if (Sys.Stat(path, out var st) < 0)
                {
                    warn("unable to stat ", name, Sys.Errno);
                    continue;
                }
                if (st.IsDirectory) found.Add(new FoundService(name, st.Device, st.Inode));
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
