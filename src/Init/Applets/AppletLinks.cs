using Init.Interop;

namespace Init.Applets;

/// <summary>
/// Finds the applet behind a chain of symbolic links, for names that are no applet themselves:
/// <c>/etc/init.d/web → /usr/bin/sv → init</c> runs sv (which then acts as web's LSB script),
/// as runit's sv does when called through such a link. Only the slow path of start-up uses it.
/// </summary>
public static class AppletLinks
{
    public static Applet? Resolve(string argv0)
    {
        string? path = argv0.Contains('/') ? argv0 : SearchPath(argv0);
        for (int hop = 0; path is not null && hop < 8; hop++)
        {
            string? target = Sys.Readlink(path);
            if (target is null) return null;
            if (AppletTable.Find(Path.GetFileName(target)) is { } applet) return applet;
            path = Path.IsPathRooted(target) ? target : Path.Combine(Path.GetDirectoryName(path) ?? ".", target);
        }
        return null;
    }

    private static string? SearchPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (Sys.Lstat(candidate, out _) == 0) return candidate;
        }
        return null;
    }
}
