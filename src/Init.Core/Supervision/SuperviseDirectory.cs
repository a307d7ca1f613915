using System.Text;
using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Supervision;

/// <summary>
/// A service's <c>supervise/</c> directory as runsv owns it: the lock, the <c>control</c> FIFO (held
/// read-write, so it never reports EOF), the <c>ok</c> FIFO (read end held: "a supervisor is alive"),
/// and <c>status</c>, <c>stat</c>, <c>pid</c> replaced atomically through <c>*.new</c> and rename.
/// <para>
/// The service's owner may not be root, yet runsv is: every file is named relative to a descriptor
/// of the directory, never through a symlink (<c>*.new</c> are unlinked and created O_EXCL), and
/// <c>supervise</c> (or <c>log</c>) is followed when it is a symlink only if root or this runsv's
/// user owns it (<see cref="TrustedLinks"/>): a link planted by the owner is refused, not written through.
/// </para>
/// </summary>
public sealed class SuperviseDirectory : IDisposable
{
    private readonly string _service;   // the service directory, e.g. "/etc/sv/web" or "."
    private readonly bool _isLog;
    private readonly string _label;     // "supervise" or "log/supervise", for messages
    private int _dir = -1, _lock = -1, _control = -1, _ok = -1;
    private int _lastPid = -1;
    private string? _lastStat;

    private readonly string _name;      // "supervise", or an instance's "supervise@ARG" (ServiceInstance)

    /// <param name="serviceDirectory">The service directory.</param>
    /// <param name="log">The logger's: <c>log/supervise</c>, as runit names it in messages.</param>
    /// <param name="name">The directory's name: runit's, or an instance's <c>supervise@ARG</c>.</param>
    public SuperviseDirectory(string serviceDirectory, bool log, string name = "supervise")
    {
        _service = serviceDirectory;
        _isLog = log;
        _name = name;
        _label = log ? "log/" + name : name;
    }

    public int ControlFd => _control;

    /// <summary>
    /// A name for file <paramref name="name"/> in this supervise/ that reaches it through the held
    /// descriptor (<c>/proc/self/fd/N/NAME</c>, short enough for a socket's address); its path
    /// from the service directory without /proc.
    /// </summary>
    public string PathOf(string name) =>
        _dir >= 0 && Sys.Stat("/proc/self/fd", out _) == 0 ? $"/proc/self/fd/{_dir}/{name}" : Path.Combine(_service, _isLog ? "log" : "", _name, name);

    /// <summary>Init's file beside runit's <c>pid</c>: who that pid is (<see cref="ProcessIdentity"/>), for adoption.</summary>
    public const string IdentityFile = "identity";

    /// <summary>mkdir (following a trusted dangling symlink to its target, e.g. on tmpfs) and open the lock file.</summary>
    public void Create()
    {
        OpenDirectory();
        _lock = Sys.OpenAt(_dir, "lock", O_WRONLY | O_NONBLOCK | O_APPEND | O_CREAT | O_NOFOLLOW, 0x180 /* 0600 */);
        if (_lock < 0) throw new SupervisorError($"unable to open {_label}/lock", Sys.Errno);
    }

    /// <summary>Holds supervise/ (made if missing) by a descriptor: every file after this is named relative to it.</summary>
    private void OpenDirectory()
    {
        if (_dir >= 0) return;
        int service = Sys.Open(_service, O_RDONLY | O_DIRECTORY);
        if (service < 0) throw new SupervisorError($"unable to open {_label}/lock", Sys.Errno);
        int owner = service;
        uint linkOwner = 0;
        if (_isLog)
        {
            owner = TrustedLinks.OpenAt(service, "log", O_RDONLY | O_DIRECTORY, out linkOwner);
            if (owner == TrustedLinks.Refused) { Sys.Close(service); throw new SupervisorError(TrustedLinks.RefusalMessage("log", linkOwner)); }
        }
        int dir = owner < 0 ? -1 : TrustedLinks.OpenOrCreateDirectory(owner, _name, out linkOwner);
        int errno = Sys.Errno;
        Sys.Close(service);
        if (owner != service && owner >= 0) Sys.Close(owner);
        if (dir == TrustedLinks.Refused) throw new SupervisorError(TrustedLinks.RefusalMessage(_label, linkOwner));
        // runit's wording: runsv only learns of a missing or unusable supervise/ from its lock file.
        if (dir < 0) throw new SupervisorError($"unable to open {_label}/lock", errno);
        _dir = dir;
    }

    /// <summary>
    /// Takes the lock without waiting: true when it is ours, false while another supervisor holds
    /// it (runsv gives up on supervise/lock then, and waits for log/supervise/lock: the caller
    /// decides, and waits on a timer instead of in flock, so nothing else stalls).
    /// </summary>
    public bool TryLock()
    {
        if (Sys.Flock(_lock, LOCK_EX | LOCK_NB) == 0) return true;
        if (Sys.Errno == EAGAIN) return false;
        throw new SupervisorError($"unable to lock {_label}/lock", Sys.Errno);
    }

    /// <summary>
    /// Creates and opens <c>control</c> read-write: one descriptor that reads the bytes and, being a
    /// writer too, keeps the FIFO from ever reporting EOF (runsv holds a second, write-only one).
    /// </summary>
    public void OpenControl()
    {
        Sys.MkfifoAt(_dir, "control", 0x180);
        if (Sys.StatAt(_dir, "control", out var st) < 0) throw new SupervisorError($"unable to stat {_label}/control", Sys.Errno);
        if (!st.IsFifo) throw new SupervisorError($"{_label}/control exists but is not a fifo");
        _control = Sys.OpenAt(_dir, "control", O_RDWR | O_NONBLOCK | O_NOFOLLOW);
        if (_control < 0) throw new SupervisorError($"unable to open {_label}/control", Sys.Errno);
    }

    /// <summary>
    /// What the previous supervisor of this directory last published: the 20-byte status and, when
    /// it was Init, the identity line of the process it names. Null when there is no valid status.
    /// </summary>
    public (StatusRecord Status, string? Identity)? ReadPrevious()
    {
        Span<byte> buffer = stackalloc byte[StatusRecord.Size + 1];
        int n = Sys.ReadFileAt(_dir, "status", buffer);
        if (n != StatusRecord.Size || !StatusRecord.TryRead(buffer[..n], out var status)) return null;
        Span<byte> line = stackalloc byte[128];
        int m = Sys.ReadFileAt(_dir, IdentityFile, line);
        return (status, m > 0 ? Encoding.ASCII.GetString(line[..m]) : null);
    }

    /// <summary>The lock, control and ok descriptors, for handing this directory to a successor process.</summary>
    public (int Lock, int Control, int Ok) Descriptors => (_lock, _control, _ok);

    /// <summary>
    /// Takes over the descriptors a predecessor held (lock taken, FIFOs open): nothing is re-created,
    /// sv never sees a gap. The directory itself is opened again, by the same rules as <see cref="Create"/>.
    /// </summary>
    public void Inherit((int Lock, int Control, int Ok) fds)
    {
        (_lock, _control, _ok) = fds;
        // Inherited without FD_CLOEXEC (that is how they crossed exec): none may leak into services.
        foreach (int fd in new[] { _lock, _control, _ok }) Sys.SetCloseOnExec(fd, true);
        OpenDirectory();
    }

    /// <summary>Creates <c>ok</c> and holds its read end: from now on sv sees a live supervisor.</summary>
    public void OpenOk()
    {
        Sys.MkfifoAt(_dir, "ok", 0x180);
        _ok = Sys.OpenAt(_dir, "ok", O_RDONLY | O_NONBLOCK | O_NOFOLLOW);
        if (_ok < 0) throw new SupervisorError($"unable to read {_label}/ok", Sys.Errno);
    }

    /// <summary>Reads pending control bytes (non-blocking) into <paramref name="buffer"/>; 0 when none.</summary>
    public int ReadControl(Span<byte> buffer)
    {
        int n = Sys.Read(_control, buffer);
        return n < 0 ? 0 : n;
    }

    /// <summary>
    /// Writes pid and identity (when the pid changed), stat (when its text changed) and status,
    /// the runit files each through *.new and rename. False after a failure (warned): the caller
    /// publishes again later, and what is then written is the state at that time.
    /// </summary>
    public bool Publish(StatusRecord status, bool wantExit, Action<string, int> warn)
    {
        bool ok = true;
        if (status.Pid != _lastPid)
        {
            string pidText = status.Pid != 0 ? status.Pid + "\n" : "";
            if (Replace("pid", Encoding.ASCII.GetBytes(pidText), warn))
            {
                _lastPid = status.Pid;
                // Only for a process (with pid 0 the status itself says there is nothing to adopt), and
                // in place: renaming over a file, or truncating one, makes ext4 write it out at once
                // (auto_da_alloc), which was most of a restart's cost. A torn read only costs adoption
                // its fast path (Adoption then checks start time and working directory instead).
                if (status.Pid != 0 && ProcessIdentity.Of(status.Pid) is { } identity) Overwrite(IdentityFile, identity.ToString(), warn);
            }
            else ok = false;
        }
        string stat = status.StatText(wantExit);
        if (stat != _lastStat)
        {
            if (Replace("stat", Encoding.ASCII.GetBytes(stat), warn)) _lastStat = stat;
            else ok = false;
        }
        Span<byte> record = stackalloc byte[StatusRecord.Size];
        status.Write(record);
        return Replace("status", record, warn) && ok;
    }

    public const string ReadinessFile = ServiceReadiness.File, WaitingFile = "waiting", HealthFile = "health",
        CgroupFile = "cgroup";
    private readonly Dictionary<string, string> _published = [];

    /// <summary>
    /// One of Init's own files in supervise/ (readiness, waiting, restart: see README),
    /// replaced whole as pid, stat and status are, and only when its text changes.
    /// </summary>
    public bool PublishOwn(string name, string text, Action<string, int> warn)
    {
        if (_published.TryGetValue(name, out var last) && last == text) return true;
        if (!Replace(name, Encoding.ASCII.GetBytes(text), warn)) return false;
        _published[name] = text;
        return true;
    }

    /// <summary>What this supervisor last wrote to one of its own files (<see cref="PublishOwn"/>), or null before it wrote one.</summary>
    public string? LastPublished(string name) => _published.GetValueOrDefault(name);

    /// <summary>The readiness a previous supervisor published, or null when there is none.</summary>
    public string? ReadReadiness()
    {
        Span<byte> buffer = stackalloc byte[64];
        int n = Sys.ReadFileAt(_dir, ReadinessFile, buffer);
        return n < 0 ? null : Encoding.ASCII.GetString(buffer[..n]);
    }

    /// <summary>
    /// Writes <paramref name="content"/> over the start of the file, no truncation (contents of one
    /// length stay whole). Only over a plain file of its own: anything else there is replaced.
    /// </summary>
    private void Overwrite(string name, string content, Action<string, int> warn)
    {
        int fd = OpenForWriting(name, out _);
        if (fd < 0) { warn($"unable to open {_label}/{name}", Sys.Errno); return; }
        if (Sys.WriteAll(fd, Encoding.ASCII.GetBytes(content)) < 0) warn($"unable to write {_label}/{name}", Sys.Errno);
        Sys.Close(fd);
    }

    /// <summary>
    /// <paramref name="name"/> opened for writing: our own file written over (<see cref="OpenOwn"/>),
    /// or anything else replaced by a new one (size 0); -1 with errno when neither can be had.
    /// </summary>
    private int OpenForWriting(string name, out long size)
    {
        int fd = OpenOwn(name, out size);
        return fd >= 0 ? fd : Sys.CreateNewAt(_dir, name, 0x1A4 /* 0644 */);
    }

    /// <summary>
    /// <paramref name="name"/> opened for writing when it is a plain file with no other link (what this
    /// class leaves there), with its size; -1 for anything else (absent, a symlink, a planted hard link,
    /// a FIFO), which <see cref="OpenForWriting"/> then replaces with a file of its own.
    /// </summary>
    private int OpenOwn(string name, out long size)
    {
        size = 0;
        int fd = Sys.OpenAt(_dir, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK);
        if (fd < 0) return -1;
        if (Sys.Fstat(fd, out var st) < 0 || !st.IsRegular || st.Links != 1)
        {
            Sys.Close(fd);
            return -1;
        }
        size = st.Size;
        return fd;
    }

    /// <summary>
    /// Replaces <paramref name="name"/> whole: the content goes into <c>NAME.new</c>, which is then
    /// swapped with <c>NAME</c> by <c>renameat2(RENAME_EXCHANGE)</c>. So readers see the old file or the
    /// new one, never a gap or a part (only a reader still holding the old file open when the next
    /// write of NAME goes into it would see that write). After the swap <c>NAME.new</c> holds the
    /// previous content and is written over the next time: on ext4 a rename over a file makes the
    /// new one be written out at once (auto_da_alloc, 430–530 µs per file here), and creating and
    /// deleting an inode per write was most of what was left of a restart's cost. The first time
    /// (nothing to swap with), and where the file system cannot exchange, a plain rename, as runit's.
    /// </summary>
    private bool Replace(string name, ReadOnlySpan<byte> content, Action<string, int> warn)
    {
        string temp = name + ".new";
        int fd = OpenForWriting(temp, out long size);   // size 0 when there is none to write over
        if (fd < 0) { warn($"unable to open {_label}/{name}.new", Sys.Errno); return false; }
        // Written over, then cut to length: truncating to zero first would set off auto_da_alloc too.
        int written = Sys.WriteAll(fd, content);
        if (written >= 0 && size > content.Length) written = Sys.Ftruncate(fd, content.Length);
        int errno = Sys.Errno;
        Sys.Close(fd);
        if (written < 0)
        {
            warn($"unable to write {_label}/{name}.new", errno);
            Sys.UnlinkAt(_dir, temp);
            return false;
        }
        if (Sys.ExchangeAt(_dir, temp, name) == 0) return true;
        if (Sys.RenameAt(_dir, temp, name) < 0) { warn($"unable to rename {name}.new to {_label}/{name}", Sys.Errno); return false; }
        return true;
    }

    public void Dispose()
    {
        foreach (int fd in new[] { _ok, _control, _lock, _dir })
            if (fd >= 0) Sys.Close(fd);
        _ok = _control = _lock = _dir = -1;
    }
}
