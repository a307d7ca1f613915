using System.Buffers;
using Init.Interop;
using Init.Runtime;

namespace Init.Logging;

/// <summary>
/// Cuts standard input into lines and sends each to the log directories, stderr and UDP as
/// svlogd does: replacement (-r/-R) before matching, patterns decide on the first <c>len</c>
/// characters, the log gets the whole line (a long line's tail raw, as runit writes it), stderr
/// and UDP copies are cut at <c>len</c> and get "...". Input is taken in big chunks; all output
/// of a chunk goes out in one write per directory.
/// </summary>
public sealed class LineRouter
{
    private readonly SvlogdOptions _options;
    private readonly IReadOnlyList<LogDirectory> _dirs;
    private readonly byte[] _input;
    private int _length;                 // bytes of _input not yet routed (always the start of a line or a tail)
    private bool _inTail;                // inside a line longer than LineMax
    private readonly bool[] _tailTo;     // directories that take the current long line
    private readonly byte[] _line;
    private readonly byte[] _stamp = new byte[LogTimestamp.Length];
    private Tai64N _leftoverTime;
    private readonly ArrayBufferWriter<byte> _stderr = new(4096);
    private readonly UdpSender _udp = new();

    public LineRouter(SvlogdOptions options, IReadOnlyList<LogDirectory> dirs)
    {
        _options = options;
        _dirs = dirs;
        int chunk = (int)Math.Max(options.BufferLength, 64 * 1024);
        _input = new byte[chunk + (int)options.LineMax + 1];
        _tailTo = new bool[dirs.Count];
        _line = new byte[options.LineMax];
    }

    /// <summary>True while a line has been started but not finished (SIGTERM waits for it).</summary>
    public bool MidLine => _inTail || _length > 0;

    /// <summary>Where the next read goes.</summary>
    public Span<byte> FreeSpace => _input.AsSpan(_length);

    /// <summary>
    /// Routes the <paramref name="count"/> bytes just read (stamped <paramref name="now"/>);
    /// with <paramref name="final"/> (EOF) an unfinished last line is completed rather than lost.
    /// </summary>
    public void Commit(int count, Tai64N now, bool final)
    {
        int old = _length;
        _length += count;
        int pos = 0;
        while (pos < _length)
        {
            var rest = _input.AsSpan(pos, _length - pos);
            if (_inTail)
            {
                int nl = rest.IndexOf((byte)'\n');
                var piece = nl < 0 ? rest : rest[..nl];
                for (int d = 0; d < _dirs.Count; d++) if (_tailTo[d]) _dirs[d].Put(piece);
                if (nl < 0) { pos = _length; break; }
                EndLine();
                _inTail = false;
                pos += nl + 1;
                continue;
            }
            int max = (int)_options.LineMax;
            int look = Math.Min(rest.Length, max);
            int end = rest[..look].IndexOf((byte)'\n');
            var stampTime = pos < old ? _leftoverTime : now;
            if (end >= 0)
            {
                Route(rest[..end], stampTime, truncated: false);
                EndLine();
                pos += end + 1;
            }
            else if (rest.Length >= max)
            {
                // runit reads len characters, decides, then streams the rest of the line.
                Route(rest[..max], stampTime, truncated: true);
                _inTail = true;
                pos += max;
            }
            else if (final)
            {
                Route(rest, stampTime, truncated: false);
                EndLine();
                pos = _length;
            }
            else
            {
                if (pos >= old) _leftoverTime = now;
                break;
            }
        }
        // Keep the unfinished line at the start of the buffer.
        if (pos > 0)
        {
            _input.AsSpan(pos, _length - pos).CopyTo(_input);
            _length -= pos;
        }
        if (_stderr.WrittenCount > 0)
        {
            Sys.WriteAll(2, _stderr.WrittenSpan);
            _stderr.Clear();
        }
    }

    private void EndLine()
    {
        for (int d = 0; d < _dirs.Count; d++)
            if (_tailTo[d]) { _dirs[d].EndLine(_options.LineMax); _tailTo[d] = false; }
    }

    private void Route(ReadOnlySpan<byte> raw, Tai64N time, bool truncated)
    {
        var line = _line.AsSpan(0, raw.Length);
        raw.CopyTo(line);
        if (_options.Replacement != 0) Replace(line);
        ReadOnlySpan<byte> stamp = default;
        if (_options.Timestamp != 0)
        {
            LogTimestamp.Write(_stamp, _options.Timestamp, time);
            stamp = _stamp;
        }
        for (int d = 0; d < _dirs.Count; d++)
        {
            var dir = _dirs[d];
            _tailTo[d] = false;
            if (!dir.IsOpen) continue;
            char match = '+', toStderr = 'E';
            foreach (var p in dir.Config.Patterns)
            {
                if (p.Kind is '+' or '-') { if (Pmatch.Match(p.Pattern, line)) match = p.Kind; }
                else if (Pmatch.Match(p.Pattern, line)) toStderr = p.Kind;
            }
            if (toStderr == 'e') Copy(_stderr, stamp, dir.Config.Prefix, line, truncated);
            if (match != '+') continue;
            if (dir.Config.UdpPort != 0) _udp.Send(dir, stamp, line, truncated, _options.LineMax);
            if (dir.Config.UdpOnly) continue;
            if (!stamp.IsEmpty) dir.Put(stamp);
            if (dir.Config.Prefix.Length > 0) dir.Put(dir.Config.Prefix);
            dir.Put(line);
            _tailTo[d] = true;
        }
    }

    private void Replace(Span<byte> line)
    {
        byte r = _options.Replacement;
        var also = _options.AlsoReplace;
        for (int i = 0; i < line.Length; i++)
        {
            byte c = line[i];
            if (c < 32 || c > 126 || also.AsSpan().IndexOf(c) >= 0) line[i] = r;
        }
    }

    /// <summary>The stderr/UDP form: stamp, prefix, line, "..." when cut, newline.</summary>
    internal static void Copy(IBufferWriter<byte> to, ReadOnlySpan<byte> stamp, ReadOnlySpan<byte> prefix, ReadOnlySpan<byte> line, bool truncated)
    {
        to.Write(stamp);
        to.Write(prefix);
        to.Write(line);
        if (truncated) to.Write("..."u8);
        to.Write("\n"u8);
    }
}
