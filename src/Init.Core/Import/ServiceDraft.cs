using System.Text;
using Init.Interop;
using Init.Runtime;
using Init.Supervision;

namespace Init.Import;

/// <summary>
/// A service directory to be: its files by relative path (<c>run</c>, <c>log/run</c>,
/// <c>dependencies.d/db</c>, <c>limits/memory.max</c>) and the notes on what of the source could
/// not be translated, each naming the source's line. Written all at once, or not at all.
/// </summary>
public sealed class ServiceDraft(string name)
{
    /// <summary>The service's name (the directory's), for scripts' messages.</summary>
    public string Name { get; } = name;

    private readonly SortedDictionary<string, (string Content, bool Executable)> _files = new(StringComparer.Ordinal);
    private readonly List<(int Order, string Text)> _notes = [];

    public IReadOnlyDictionary<string, (string Content, bool Executable)> Files => _files;
    /// <summary>The notes in the order of the lines they name (those naming none first), each line's in the order made.</summary>
    public IReadOnlyList<string> Notes => _notes.OrderBy(n => n.Order).Select(n => n.Text).ToList();

    public void Add(string path, string content, bool executable = false) => _files[path] = (content, executable);

    public void Script(string path, string content) => Add(path, content, executable: true);

    /// <param name="line">The line of the source it is about, for the order; 0 for the file as a whole.</param>
    public void Note(string note, int line = 0) => _notes.Add((line, note));

    public string? Content(string path) => _files.TryGetValue(path, out var file) ? file.Content : null;

    /// <summary>
    /// <c>restart-limit</c>: DEATHS within WINDOW make the service failed; with more deaths than the
    /// supervisor remembers by default, <c>max-death-tally</c> too, or the limit would be refused.
    /// </summary>
    public void RestartLimit(int deaths, long windowMs)
    {
        Add(ServicePolicy.RestartLimitFile, $"{deaths} {windowMs}\n");
        if (deaths > ServicePolicy.DefaultDeathTally) Add(ServicePolicy.DeathTallyFile, $"{deaths}\n");
    }

    /// <summary>A umask as sh's <c>umask</c> takes it, 1 to 4 octal digits (systemd's UMask=, supervisord's umask=).</summary>
    public static bool IsUmask(string value) => value.Length is > 0 and <= 4 && value.All(c => c is >= '0' and <= '7');

    /// <summary>
    /// Creates <paramref name="directory"/> with the files: first as a sibling <c>.NAME.import</c>, renamed
    /// into place once complete, so a runsvdir scanning beside it never sees half a service. Null on
    /// success, else what went wrong (then nothing is left behind). An existing directory is never touched.
    /// </summary>
    public string? Write(string directory)
    {
        directory = Path.TrimEndingDirectorySeparator(directory);
        if (Sys.Lstat(directory, out _) == 0) return $"{directory}: exists: not overwritten";
        string parent = Path.GetDirectoryName(Path.GetFullPath(directory)) ?? "/";
        string temp = Path.Combine(parent, "." + Path.GetFileName(directory) + ".import");
        if (MakeParents(parent) is { } missing) return missing;
        Remove(temp);   // one left by an import that was killed
        string? failure = WriteAll(temp);
        if (failure is null && Sys.Rename(temp, directory) < 0) failure = $"unable to rename {temp} to {directory}: {Diagnostics.Text(Sys.Errno)}";
        if (failure is not null) Remove(temp);
        return failure;
    }

    /// <summary>Creates <paramref name="directory"/> and those above it that are missing, as mkdir -p; null, or what failed.</summary>
    private static string? MakeParents(string directory)
    {
        if (Sys.Stat(directory, out var st) == 0) return st.IsDirectory ? null : $"{directory}: not a directory";
        if (Path.GetDirectoryName(directory) is { } above && above != directory && MakeParents(above) is { } failure) return failure;
        return Sys.Mkdir(directory, 0x1ED) == 0 || Sys.Errno == Consts.EEXIST ? null : $"unable to create {directory}: {Diagnostics.Text(Sys.Errno)}";
    }

    private string? WriteAll(string root)
    {
        if (Sys.Mkdir(root, 0x1ED /* 0755 */) < 0) return $"unable to create {root}: {Diagnostics.Text(Sys.Errno)}";
        foreach (var (path, (content, executable)) in _files)
        {
            string file = Path.Combine(root, path);
            for (int slash = path.IndexOf('/'); slash > 0; slash = path.IndexOf('/', slash + 1))
            {
                string directory = Path.Combine(root, path[..slash]);
                if (Sys.Mkdir(directory, 0x1ED) < 0 && Sys.Errno != Consts.EEXIST) return $"unable to create {directory}: {Diagnostics.Text(Sys.Errno)}";
            }
            int fd = Sys.Open(file, Consts.O_WRONLY | Consts.O_CREAT | Consts.O_EXCL | Consts.O_NOFOLLOW, executable ? 0x1ED : 0x1A4 /* 0644 */);
            if (fd < 0) return $"unable to create {file}: {Diagnostics.Text(Sys.Errno)}";
            int written = Sys.WriteAll(fd, Encoding.UTF8.GetBytes(content));
            int errno = Sys.Errno;
            // The mode asked for, whatever the umask: scripts must be executable for the supervisor.
            if (written >= 0 && Sys.Fchmod(fd, executable ? 0x1ED : 0x1A4) < 0) { written = -1; errno = Sys.Errno; }
            Sys.Close(fd);
            if (written < 0) return $"unable to write {file}: {Diagnostics.Text(errno)}";
        }
        return null;
    }

    /// <summary>Removes a directory <see cref="Write"/> made (or its temporary), if it is there.</summary>
    public static void Remove(string root)
    {
        try { if (Directory.Exists(root)) Directory.Delete(root, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
