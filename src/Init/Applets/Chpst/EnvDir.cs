using System.Text;
using Init.Interop;
using Init.Runtime;

namespace Init.Applets.Chpst;

/// <summary>
/// daemontools' envdir as runit does it: each file not starting with '.' sets the variable of its
/// name to its first line (trailing blanks removed, NUL → newline); an empty file unsets it.
/// </summary>
public static class EnvDir
{
    private const int EISDIR = 21;

    /// <summary>Applies <paramref name="dir"/>; returns false after printing the fatal message.</summary>
    public static bool Apply(string dir, bool skipDirectories, bool verbose)
    {
        string[] names;
        try
        {
            if (Sys.Stat(dir, out var st) < 0) { Fatal($"unable to switch to directory: {dir}", Sys.Errno); return false; }
            if (!st.IsDirectory) { Fatal($"unable to switch to directory: {dir}", Consts.ENOTDIR); return false; }
            names = Directory.GetFileSystemEntries(dir).Select(Path.GetFileName).OfType<string>().ToArray();
        }
        catch (UnauthorizedAccessException) { Fatal($"unable to open directory: {dir}", Consts.EACCES); return false; }
        catch (IOException) { Fatal($"unable to read directory: {dir}", Consts.EINVAL); return false; }
        foreach (var name in names)
        {
            if (name.StartsWith('.')) continue;
            string path = Path.Combine(dir, name);
            byte[] content;
            if (Directory.Exists(path))
            {
                if (skipDirectories)
                {
                    if (verbose) Output.Err($"chpst: warning: unable to read {dir}/{name}: {ErrorText.Of(EISDIR)}\n");
                    continue;
                }
                Fatal($"unable to read {dir}/{name}", EISDIR);
                return false;
            }
            try { content = File.ReadAllBytes(path); }
            catch (UnauthorizedAccessException) { Fatal($"unable to read {dir}/{name}", Consts.EACCES); return false; }
            catch (IOException) { Fatal($"unable to read {dir}/{name}", Consts.ENOENT); return false; }
            if (Sys.SetEnvironment(name, content.Length == 0 ? null : FirstLine(content)) < 0)
            {
                if (Sys.Errno == Consts.ENOMEM) ChpstApplet.OutOfMemory(); else Fatal($"unable to set {name}", Sys.Errno);
                return false;
            }
        }
        return true;
    }

    /// <summary>The value a non-empty file gives: its first line, right-trimmed of spaces and tabs, NULs as newlines.</summary>
    public static string FirstLine(ReadOnlySpan<byte> content)
    {
        int end = content.IndexOf((byte)'\n');
        if (end < 0) end = content.Length;
        while (end > 0 && (content[end - 1] == ' ' || content[end - 1] == '\t')) end--;
        var bytes = content[..end].ToArray();
        for (int i = 0; i < bytes.Length; i++) if (bytes[i] == 0) bytes[i] = (byte)'\n';
        return Encoding.UTF8.GetString(bytes);
    }

    private static void Fatal(string message, int errno) => Output.Err($"chpst: fatal: {message}: {ErrorText.Of(errno)}\n");
}
