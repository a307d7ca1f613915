using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Supervision;

/// <summary>
/// The listen sockets a supervisor holds for one service: bound once, kept open (close-on-exec,
/// so only a spawn that asks gets them) while ./run restarts, so the kernel queues the connections
/// that arrive meanwhile instead of refusing them. <see cref="Bind"/> brings them in line with the
/// <c>listen</c> file at each start: what is still declared stays open, the rest is closed, the new is bound.
/// </summary>
public sealed class ListenSockets : IDisposable
{
    /// <summary>systemd's first passed descriptor (SD_LISTEN_FDS_START).</summary>
    public const int FirstFd = 3;

    private readonly List<(ListenDeclaration Declaration, int Fd)> _held = [];

    public int Count => _held.Count;

    /// <summary>
    /// Holds exactly <paramref name="declared"/>, in its order: null once every one is bound, else the
    /// first that failed ("stream 127.0.0.1:8080: unable to bind: address already used"); every other one is held all the same.
    /// </summary>
    public string? Bind(IReadOnlyList<ListenDeclaration> declared)
    {
        // What is no longer declared goes first: a new address may overlap it (0.0.0.0:80 for 127.0.0.1:80).
        foreach (var (declaration, fd) in _held)
            if (!declared.Any(d => d.SameSocket(declaration))) Sys.Close(fd);
        var old = _held.Where(h => declared.Any(d => d.SameSocket(h.Declaration))).ToList();
        _held.Clear();
        string? failure = null;
        foreach (var declaration in declared)
        {
            int at = old.FindIndex(h => h.Declaration.SameSocket(declaration));
            if (at >= 0)
            {
                _held.Add((declaration, old[at].Fd));   // the same socket, perhaps under a new name
                continue;
            }
            int fd = Open(declaration, out string? error);
            if (fd >= 0) _held.Add((declaration, fd));
            else failure ??= error;
        }
        return failure;
    }

    private static int Open(ListenDeclaration declaration, out string? failure)
    {
        failure = null;
        if (declaration.FilePath is { } path && Sys.Lstat(path, out var st) == 0)
        {
            // A socket's file is only its name: an earlier bind's (a previous supervisor's, or a server
            // that bound it itself) is removed and bound anew, as systemd does on EADDRINUSE. Anything
            // else is somebody's file and is never removed.
            if (!st.IsSocket) { failure = $"{declaration}: exists and is not a socket: not removed"; return -1; }
            if (Sys.Unlink(path) < 0 && Sys.Errno != ENOENT) { failure = $"{declaration}: unable to remove the old socket: {Diagnostics.Text(Sys.Errno)}"; return -1; }
        }
        int fd = Sys.ListenSocket(declaration.SocketAddress, declaration.Stream);
        if (fd < 0) failure = $"{declaration}: unable to bind: {Diagnostics.Text(Sys.Errno)}";
        return fd;
    }

    /// <summary>Each held socket and the number ./run gets it at (3, 4, …); each made blocking again, as systemd passes them, whatever the last ./run set on the shared file.</summary>
    public (int Source, int Target)[] ForChild()
    {
        var fds = new (int, int)[_held.Count];
        for (int i = 0; i < _held.Count; i++)
        {
            Sys.SetNonBlocking(_held[i].Fd, false);
            fds[i] = (_held[i].Fd, FirstFd + i);
        }
        return fds;
    }

    /// <summary>LISTEN_FDNAMES: the names in descriptor order, joined by ':'.</summary>
    public string Names => string.Join(':', _held.Select(h => h.Declaration.Name));

    public void Close()
    {
        foreach (var (_, fd) in _held) Sys.Close(fd);
        _held.Clear();
    }

    public void Dispose() => Close();
}
