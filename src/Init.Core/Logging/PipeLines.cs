using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Logging;

/// <summary>
/// Lines from a pipe, read on the loop as they come (non-blocking, at most a few reads per wake
/// so one chatty service cannot starve the others). A line longer than <see cref="MaxLine"/> is
/// passed on in pieces of that size; a last line without its newline is passed on at EOF.
/// </summary>
public sealed class PipeLines : IDisposable
{
    public const int MaxLine = 2048;
    private const int ReadsPerWake = 4;

    private readonly EventLoop _loop;
    private readonly int _fd;
    private readonly Action<ReadOnlySpan<byte>> _line;
    private readonly byte[] _buffer = new byte[16 * 1024];
    private readonly byte[] _partial = new byte[MaxLine];
    private int _partialLength;
    private readonly bool _owns;
    private bool _closed;

    /// <summary>
    /// Watches <paramref name="fd"/> (made non-blocking), calling <paramref name="line"/> for each
    /// line without its newline. <paramref name="owns"/>: the descriptor is closed on dispose or EOF.
    /// </summary>
    public PipeLines(EventLoop loop, int fd, Action<ReadOnlySpan<byte>> line, bool owns)
    {
        _loop = loop;
        _fd = fd;
        _line = line;
        _owns = owns;
        Sys.SetNonBlocking(fd, true);
        loop.Watch(fd, OnReadable);
    }

    /// <summary>Raised once when every writer has closed its end.</summary>
    public Action? Ended { get; set; }

    private void OnReadable() => Read(ReadsPerWake);

    /// <summary>Everything written so far, now (the reader is about to go: nothing the service wrote is left unread).</summary>
    public void DrainNow()
    {
        Read(int.MaxValue);
        if (_partialLength > 0 && !_closed) Flush();
    }

    private void Read(int reads)
    {
        for (int i = 0; i < reads && !_closed; i++)
        {
            int n = Sys.Read(_fd, _buffer);
            if (n < 0) { if (Sys.Errno == EAGAIN) return; n = 0; }
            if (n == 0)
            {
                if (_partialLength > 0) Flush();
                Dispose();
                Ended?.Invoke();
                return;
            }
            Split(_buffer.AsSpan(0, n));
        }
    }

    private void Split(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            int newline = data.IndexOf((byte)'\n');
            var piece = newline < 0 ? data : data[..newline];
            while (_partialLength + piece.Length > MaxLine)
            {
                int take = MaxLine - _partialLength;
                piece[..take].CopyTo(_partial.AsSpan(_partialLength));
                _partialLength = MaxLine;
                Flush();
                piece = piece[take..];
            }
            piece.CopyTo(_partial.AsSpan(_partialLength));
            _partialLength += piece.Length;
            if (newline < 0) return;
            Flush();
            data = data[(newline + 1)..];
        }
    }

    private void Flush()
    {
        _line(_partial.AsSpan(0, _partialLength));
        _partialLength = 0;
    }

    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        _loop.Unwatch(_fd);
        if (_owns) Sys.Close(_fd);
    }
}
