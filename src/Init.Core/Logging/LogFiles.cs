using Init.Interop;
using static Init.Interop.Consts;
using Init.Runtime;

namespace Init.Logging;

/// <summary>The file names and directory scans of a runit log directory.</summary>
public static class LogFiles
{
    /// <summary>"@" + 24 hex + "." + suffix: the only names svlogd counts, deletes or processes.</summary>
    public static bool IsArchive(string name) => name.Length == 27 && name[0] == '@';

    /// <summary>A fresh "@now.x" name not yet used in the directory <paramref name="dirFd"/> (runit loops until stat says ENOENT).</summary>
    public static string NewArchiveName(int dirFd, char suffix)
    {
        Span<byte> label = stackalloc byte[25];
        while (true)
        {
            LogTimestamp.WriteTai64N(label, Tai64N.Now());
            string name = System.Text.Encoding.ASCII.GetString(label) + "." + suffix;
            if (Sys.StatAt(dirFd, name, out _) < 0 && Sys.Errno == ENOENT) return name;
        }
    }

    /// <summary>The archive names in the directory <paramref name="dirFd"/>, or null when it cannot be read.</summary>
    public static List<string>? Archives(int dirFd)
    {
        try
        {
            var names = new List<string>();
            // Through the descriptor: the directory held open, whatever its path names now.
            foreach (var path in Directory.EnumerateFiles($"/proc/self/fd/{dirFd}", "@*"))
            {
                string name = Path.GetFileName(path);
                if (IsArchive(name)) names.Add(name);
            }
            return names;
        }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    /// <summary>
    /// runit's rmoldest: removes processor leftovers (.t), and the oldest archive when there are
    /// more than <paramref name="keep"/> (0 = keep all). Never the pending .u <paramref name="pending"/>.
    /// </summary>
    public static void RemoveOldest(string dir, int dirFd, ulong keep, string? pending, LogReporter report)
    {
        var names = Archives(dirFd);
        if (names is null) { report.Warn("unable to read directory", dir, EACCES); return; }
        string? oldest = null;
        int count = 0;
        foreach (var name in names)
        {
            if (name[26] == 't')
            {
                if (Sys.UnlinkAt(dirFd, name) < 0) report.Warn("unable to unlink processor leftover", name, Sys.Errno);
                continue;
            }
            count++;
            if ((oldest is null || string.CompareOrdinal(name, oldest) < 0) && name != pending) oldest = name;
        }
        if (keep > 0 && (ulong)count > keep && oldest is not null)
        {
            report.Info($"delete: {dir}/{oldest}");
            if (Sys.UnlinkAt(dirFd, oldest) < 0) report.Warn("unable to unlink oldest logfile", dir, Sys.Errno);
        }
    }

    /// <summary>On a full disk: deletes the oldest archive of any kind if more than <paramref name="minimum"/> exist.</summary>
    public static bool FreeSpace(string dir, int dirFd, ulong minimum, LogReporter report)
    {
        var names = Archives(dirFd);
        if (names is null || (ulong)names.Count <= minimum) return false;
        names.Sort(string.CompareOrdinal);
        Output(report, dir, names[0]);
        return Sys.UnlinkAt(dirFd, names[0]) == 0;
    }

    private static void Output(LogReporter report, string dir, string name) =>
        Init.Runtime.Output.Err($"svlogd: warning: out of disk space, delete: {dir}/{name}\n");
}
