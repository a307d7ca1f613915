using System.Text;
using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Logging;

/// <summary>
/// The engine's standard output for services without <c>log/</c>: each line as <c>NAME: line</c>,
/// the way a multi-service container's <c>docker logs</c> should read. Never blocks the loop: a
/// line goes out at once when the descriptor can take it (poll), else waits in a bounded queue
/// that a timer drains; past the bound, lines are dropped, counted, and the count said.
/// </summary>
public sealed class PrefixedOutput(EventLoop loop, int fd = 1, int maxQueuedBytes = 256 * 1024)
{
    private const long RetryMs = 50;
    private readonly Queue<byte[]> _queue = new();
    private int _queuedBytes;
    private long _dropped;
    private EventLoop.Timer? _retry;

    /// <summary>Lines dropped so far because the output could not keep up.</summary>
    public long Dropped => _dropped;

    private byte[] _scratch = new byte[PipeLines.MaxLine + 256];

    /// <summary>Writes <c>NAME: line</c>; no allocation unless it has to wait.</summary>
    public void Write(string name, ReadOnlySpan<byte> line)
    {
        int length = Encoding.UTF8.GetByteCount(name) + 2 + line.Length + 1;
        if (_scratch.Length < length) _scratch = new byte[length];
        int at = Encoding.UTF8.GetBytes(name, _scratch);
        _scratch[at++] = (byte)':';
        _scratch[at++] = (byte)' ';
        line.CopyTo(_scratch.AsSpan(at));
        _scratch[length - 1] = (byte)'\n';
        var text = _scratch.AsSpan(0, length);
        if (_queue.Count == 0 && TryWrite(text)) return;
        if (_queuedBytes + length > maxQueuedBytes) { _dropped++; return; }
        _queue.Enqueue(text.ToArray());
        _queuedBytes += length;
        _retry ??= loop.After(RetryMs, Drain);
    }

    private void Drain()
    {
        _retry = null;
        if (_dropped > 0 && _queue.Count == 0)
        {
            long dropped = _dropped;
            _dropped = 0;
            if (!TryWrite(Encoding.ASCII.GetBytes($"init: {dropped} line(s) of services dropped: the output did not keep up\n"))) _dropped = dropped;
        }
        while (_queue.Count > 0 && TryWrite(_queue.Peek())) _queuedBytes -= _queue.Dequeue().Length;
        if (_queue.Count > 0 || _dropped > 0) _retry = loop.After(RetryMs, Drain);
    }

    /// <summary>
    /// One write, only when poll says the descriptor takes it now: a pipe then has room for a page
    /// (lines are cut below that), a file or a terminal take it. A short write drops the rest
    /// rather than block; an error (the reader went) drops the line.
    /// </summary>
    private bool TryWrite(ReadOnlySpan<byte> text)
    {
        if (!Sys.Writable(fd)) return false;
        int n = Sys.Write(fd, text);
        return n >= 0 || Sys.Errno != EAGAIN;
    }
}
