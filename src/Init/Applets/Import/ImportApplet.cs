using Init.Import;
using Init.Interop;
using Init.Runtime;

namespace Init.Applets.Import;

/// <summary>
/// <c>init import [-n] [-p PROGRAM] FILE DIR</c>: a systemd <c>.service</c> unit or a supervisord
/// config made a service directory. Every directive not translated is printed (stdout), with its line
/// and why; nothing is dropped silently. DIR must not exist: it appears whole or not at all.
/// Exit codes: 0 written (or printed, with -n), 1 FILE cannot be imported, 100 usage, 111 a file
/// could not be read or written.
/// </summary>
public static class ImportApplet
{
    public const string Usage = "usage: init import [-n] [-p PROGRAM] FILE DIR\n";

    /// <summary>The largest file taken (a unit is a few KiB; Debian's largest is under 10).</summary>
    private const long MaxBytes = 1 << 20;

    /// <summary><c>init import --help</c> (or -h): docs/man/import.md shows the same text.</summary>
    public const string Help = Usage + """

        Make the service directory DIR from FILE: a systemd unit (NAME.service) or a supervisord
        config ([program:NAME] sections). Prints each directive it could not translate, and why.

          -n          print the files instead of writing them
          -p PROGRAM  the one [program:PROGRAM] of a supervisord config to import; without it, a
                      config with several programs makes DIR a directory of services, one each
          -h --help   this help

        DIR must not exist: it is written as .NAME.import beside itself and renamed, whole or not at all
        exit codes: 0 written, 1 FILE cannot be imported, 100 usage, 111 unable to read or write
        """;

    public static int Run(string name, string[] args)
    {
        if (args is ["-h"] or ["--help"]) return AppletTable.PrintHelp(Help);
        bool print = false;
        string? program = null;
        int i = 0;
        for (; i < args.Length && args[i].StartsWith('-') && args[i] != "-"; i++)
        {
            if (args[i] == "--") { i++; break; }
            if (args[i] == "-n") print = true;
            else if (args[i] == "-p" && i + 1 < args.Length) program = args[++i];
            else return Fail(Usage, 100);
        }
        if (args.Length - i != 2) return Fail(Usage, 100);
        string file = args[i], directory = args[i + 1];

        // A unit or a config is a small plain file: never a FIFO that blocks, a device that never ends.
        if (Sys.Stat(file, out var st) < 0) return Fail($"init import: fatal: unable to read {file}: {Diagnostics.Text(Sys.Errno)}\n", 111);
        if (!st.IsRegular) return Fail($"init import: fatal: {file}: not a plain file\n", 1);
        if (st.Size > MaxBytes) return Fail($"init import: fatal: {file}: larger than {MaxBytes / 1024} KiB: not a unit or a config\n", 1);
        string text;
        try { text = File.ReadAllText(file); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Fail($"init import: fatal: unable to read {file}: {(e is UnauthorizedAccessException ? "permission denied" : "read error")}\n", 111);
        }

        var drafts = Convert(file, text, directory, program, out string? error);
        if (drafts is null) return Fail($"init import: fatal: {file}: {error}\n", 1);
        var written = new List<string>();
        foreach (var (path, draft) in drafts)
        {
            foreach (string note in draft.Notes) Output.Out(note + "\n");
            if (print) { Show(path, draft); continue; }
            if (draft.Write(path) is { } failure)
            {
                // All or nothing: the services of the same config written before this one go too.
                foreach (string done in written) ServiceDraft.Remove(done);
                return Fail($"init import: fatal: {failure}{(written.Count > 0 ? $" ({written.Count} written before it removed)" : "")}\n", 111);
            }
            written.Add(path);
        }
        if (!print)
            foreach (var (path, draft) in drafts)
                Output.Out($"init import: {path}: {draft.Files.Count} files, {draft.Notes.Count} directives not translated as such\n");
        return 0;
    }

    /// <summary>The drafts and where each goes; null (with <paramref name="error"/>) when FILE is neither a service unit nor a config with programs.</summary>
    private static List<(string Path, ServiceDraft Draft)>? Convert(string file, string text, string directory, string? program, out string? error)
    {
        string fileName = Path.GetFileName(file);
        if (SupervisordImport.IsConfig(text))
        {
            var drafts = SupervisordImport.Convert(text, file, program, out error);
            if (drafts is null) return null;
            // One program: DIR is its service. Several: DIR holds one service directory each.
            return drafts.Count == 1 && program is null || program is not null
                ? [(directory, drafts[0])]
                : drafts.Select(d => (Path.Combine(directory, d.Name), d)).ToList();
        }
        if (program is not null) { error = "-p names a [program:NAME] of a supervisord config: this is no such config"; return null; }
        string serviceName = Path.GetFileName(Path.TrimEndingDirectorySeparator(directory));
        var draft = UnitImport.Convert(text, file, fileName, serviceName, out error);
        return draft is null ? null : [(directory, draft)];
    }

    private static void Show(string directory, ServiceDraft draft)
    {
        foreach (var (path, (content, executable)) in draft.Files)
        {
            Output.Out($"==> {Path.Combine(directory, path)}{(executable ? " (executable)" : "")} <==\n");
            Output.Out(content.Length == 0 || content.EndsWith('\n') ? content : content + "\n");
        }
    }

    private static int Fail(string message, int code)
    {
        Output.Err(message);
        return code;
    }
}
