using Init.Interop;

namespace Init.Boot;

/// <summary>
/// runit-init's shutdown protocol, on both sides. The requester makes <c>stopit</c> executable
/// (and <c>reboot</c> executable for a reboot, mode 0 otherwise), then sends SIGCONT to PID 1;
/// PID 1 acts on SIGCONT only if <c>stopit</c> has the owner-execute bit. Upstream runit keeps
/// the files in /etc/runit; Debian's build uses /run/runit.stopit and /run/runit.reboot. Both
/// pairs are honoured, and written where their directory exists, so runit's own
/// <c>runit-init 0</c> works against Init and Init's <c>init 0</c> works against runit.
/// </summary>
public static class RunitFiles
{
    public static readonly (string Stopit, string Reboot)[] Pairs =
    [
        ("/etc/runit/stopit", "/etc/runit/reboot"),
        ("/run/runit.stopit", "/run/runit.reboot"),
    ];

    public const string CtrlAltDel = "/etc/runit/ctrlaltdel";
    public const string NoSync = "/etc/runit/nosync";
    public const string Stage1 = "/etc/runit/1", Stage2 = "/etc/runit/2", Stage3 = "/etc/runit/3";

    public static bool IsExecutable(string path) => Sys.Stat(path, out var st) == 0 && st.IsRegular && st.IsOwnerExecutable;

    /// <summary>PID 1 side: is a stop requested? Clears the request (chmod 0) as runit does.</summary>
    public static bool TakeStopRequest()
    {
        bool requested = false;
        foreach (var (stopit, _) in Pairs)
        {
            if (!IsExecutable(stopit)) continue;
            requested = true;
            Sys.Chmod(stopit, 0);
        }
        return requested;
    }

    /// <summary>PID 1 side, after stage 3: reboot if a reboot file is executable, else power off.</summary>
    public static bool RebootRequested() => Pairs.Any(p => IsExecutable(p.Reboot));

    /// <summary>Requester side: writes the request files. Returns null, or the message of the first failure when no pair could be written.</summary>
    public static string? WriteRequest(bool reboot)
    {
        string? firstError = null;
        bool written = false;
        foreach (var (stopit, rebootFile) in Pairs)
        {
            if (Sys.Stat(Path.GetDirectoryName(stopit)!, out var dir) != 0 || !dir.IsDirectory) continue;
            string? error = Touch(stopit, 0x40) ?? (reboot ? Touch(rebootFile, 0x40) : ClearMode(rebootFile));
            if (error is null) written = true;
            else firstError ??= error;
        }
        return written ? null : firstError ?? $"unable to create {Pairs[0].Stopit}: {ErrorText.Of(Consts.ENOENT)}";
    }

    private static string? Touch(string path, int mode)
    {
        int fd = Sys.Open(path, Consts.O_WRONLY | Consts.O_CREAT | Consts.O_NONBLOCK, mode);
        if (fd < 0) return $"unable to create {path}: {ErrorText.Of(Sys.Errno)}";
        int r = Sys.Fchmod(fd, mode);
        int errno = Sys.Errno;
        Sys.Close(fd);
        return r < 0 ? $"unable to chmod {path}: {ErrorText.Of(errno)}" : null;
    }

    private static string? ClearMode(string path) =>
        Sys.Chmod(path, 0) < 0 && Sys.Errno != Consts.ENOENT ? $"unable to chmod {path}: {ErrorText.Of(Sys.Errno)}" : null;
}
