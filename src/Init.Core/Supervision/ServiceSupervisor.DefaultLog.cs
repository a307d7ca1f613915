using Init.Interop;
using Init.Logging;

namespace Init.Supervision;

public sealed partial class ServiceSupervisor
{
    /// <summary>The engine's logger for a service without <c>log/</c> (<see cref="Supervision.DefaultLog"/>); null under runsv, where such a service inherits runsv's output as under runit.</summary>
    public DefaultLog? DefaultLog { get; init; }

    private PipeLines? _lines;
    private LineRing? _ring;
    private int _ringSocket = -1;

    /// <summary>The log pipe is read by the engine itself: no log/, and an engine that has a default logger.</summary>
    private bool UsesDefaultLog => _log is null && DefaultLog is not null;

    /// <summary>Starts reading the log pipe (made or recovered already) into the engine's output and the ring, and answering sv log.</summary>
    private void StartDefaultLog()
    {
        if (!UsesDefaultLog || _logRead < 0 || _lines is not null) return;
        var sink = DefaultLog!;
        var ring = _ring = new LineRing(sink.RingBytes);
        _lines = new PipeLines(_loop, _logRead, line =>
        {
            ring.Add(line);
            sink.Output.Write(Name, line);
        }, owns: false);
        if (sink.RingBytes > 0) OpenRingSocket();
    }

    /// <summary>supervise/log.sock, bound through the directory's descriptor (a socket path is limited to 107 bytes).</summary>
    private void OpenRingSocket()
    {
        string path = _main.Files.PathOf(Supervision.DefaultLog.SocketFile);
        Sys.Unlink(path);
        if (Sys.UnixAddress(path) is not { } address) return;
        int fd = Sys.ListenSocket(address, stream: true, backlog: 8);
        if (fd < 0)
        {
            _diag.Warn($"unable to listen on supervise/{Supervision.DefaultLog.SocketFile}: sv log will not answer", Sys.Errno);
            return;
        }
        Sys.SetNonBlocking(fd, true);
        _ringSocket = fd;
        _loop.Watch(fd, AnswerRing);
    }

    /// <summary>Each connection gets the ring's lines, oldest first, then EOF: only from our own user or root, as supervise/ is 0700.</summary>
    private void AnswerRing()
    {
        while (Sys.Accept(_ringSocket) is var client && client >= 0)
        {
            long uid = Sys.PeerUid(client);
            if ((uid == Sys.GetEuid() || uid == 0) && _ring is { } ring)
            {
                byte[] lines = ring.Snapshot();
                Sys.SetSendBuffer(client, lines.Length + 4096);
                Sys.Write(client, lines);   // non-blocking: a reader too slow for a buffer this size gets what fitted
            }
            Sys.Close(client);
        }
    }

    /// <summary>log/ appeared: the engine stops reading; the pipe's read end stays open until the service's next exit lets it drain to EOF.</summary>
    private void HandDefaultLogOver()
    {
        if (_lines is null) return;
        _lines.Dispose();
        _lines = new PipeLines(_loop, _logRead, line => DefaultLog!.Output.Write(Name, line), owns: true);
        Sys.Close(_logWrite);
        _logRead = _logWrite = -1;
        _lines = null;
        StopRingSocket();
    }

    private void StopDefaultLog()
    {
        _lines?.DrainNow();
        _lines?.Dispose();
        _lines = null;
        StopRingSocket();
    }

    private void StopRingSocket()
    {
        if (_ringSocket < 0) return;
        _loop.Unwatch(_ringSocket);
        Sys.Close(_ringSocket);
        _ringSocket = -1;
    }
}
