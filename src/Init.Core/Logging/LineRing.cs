namespace Init.Logging;

/// <summary>
/// The last lines a service printed, in a circular buffer of at most <see cref="CapacityBytes"/>
/// (each line with its newline): a new line overwrites the oldest, so what a service writes never
/// grows it past that (a line longer than the buffer keeps its end). The buffer grows only as far
/// as the lines need: a quiet service costs a few bytes, not the whole budget. What
/// <c>sv log</c> shows: "what did it print before it crashed".
/// </summary>
public sealed class LineRing(int capacityBytes)
{
    private const int FirstBytes = 1024;

    private byte[] _buffer = [];
    private int _tail;      // the oldest byte held
    private int _length;    // bytes held
    private bool _lineAtTail = true;   // the oldest byte held starts a line (the one before it, overwritten, was a newline)

    public int CapacityBytes { get; } = Math.Max(capacityBytes, 0);

    public void Add(ReadOnlySpan<byte> line)
    {
        if (CapacityBytes < 2) return;
        if (line.Length > CapacityBytes - 1) line = line[^(CapacityBytes - 1)..];
        Put(line);
        Put("\n"u8);
    }

    private void Put(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty) return;
        if (_length + bytes.Length > _buffer.Length && _buffer.Length < CapacityBytes) Grow(_length + bytes.Length);
        int overwritten = _length + bytes.Length - _buffer.Length;
        if (overwritten > 0)
        {
            // The last byte overwritten is the one just before the new oldest: a newline there means that one starts a line.
            _lineAtTail = _buffer[(_tail + overwritten - 1) % _buffer.Length] == (byte)'\n';
            _tail = (_tail + overwritten) % _buffer.Length;
            _length -= overwritten;
        }
        int head = (_tail + _length) % _buffer.Length;
        int first = Math.Min(bytes.Length, _buffer.Length - head);
        bytes[..first].CopyTo(_buffer.AsSpan(head));
        bytes[first..].CopyTo(_buffer);
        _length += bytes.Length;
    }

    /// <summary>A larger buffer (doubling, up to the capacity), the bytes held moved to its start.</summary>
    private void Grow(int needed)
    {
        var larger = new byte[Math.Min(CapacityBytes, Math.Max(Math.Max(needed, FirstBytes), _buffer.Length * 2))];
        CopyOut(larger);
        _buffer = larger;
        _tail = 0;
    }

    private void CopyOut(Span<byte> into)
    {
        int first = Math.Min(_length, _buffer.Length - _tail);
        _buffer.AsSpan(_tail, first).CopyTo(into);
        _buffer.AsSpan(0, _length - first).CopyTo(into[first..]);
    }

    /// <summary>Every whole line kept, oldest first, each ended by a newline (the oldest, when partly overwritten, is left out).</summary>
    public byte[] Snapshot()
    {
        var text = new byte[_length];
        CopyOut(text);
        if (_lineAtTail) return text;
        int newline = Array.IndexOf(text, (byte)'\n');
        return newline < 0 ? [] : text[(newline + 1)..];
    }
}
