using Init.Interop;
using Init.Runtime;
using static Init.Interop.Consts;

namespace Init.Logging;

/// <summary>
/// Lines from a pipe (<see cref="LineSplitter"/>), read on the loop as they come (non-blocking, at
/// most a few reads per wake so one chatty service cannot starve the others); a last line without
/// its newline is passed on at EOF.
/// </summary>
public sealed class PipeLines : IDisposable
{
    public const int MaxLine = LineSplitter.MaxLine;
    private const int ReadsPerWake = 4;

    private readonly EventLoop _loop;
    private readonly int _fd;
    private readonly LineSplitter _lines;
    /// <summary>One read buffer for every pipe: they are read one after another on the loop's thread, and what a read leaves of a line the splitter keeps.</summary>
    [ThreadStatic] private static byte[]? s_buffer;
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
        _lines = new LineSplitter(line);
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
        if (!_closed) _lines.Flush();
    }

    private void Read(int reads)
    {
        for (int i = 0; i < reads && !_closed; i++)
        {
            var buffer = s_buffer ??= new byte[16 * 1024];
            int n = Sys.Read(_fd, buffer);
            if (n < 0) { if (Sys.Errno == EAGAIN) return; n = 0; }
            if (n == 0)
            {
                _lines.Flush();
                Dispose();
                Ended?.Invoke();
                return;
            }
            _lines.Add(buffer.AsSpan(0, n));
        }
    }

    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        _loop.Unwatch(_fd);
        if (_owns) Sys.Close(_fd);
    }
}
