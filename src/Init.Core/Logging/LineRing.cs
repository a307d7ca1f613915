namespace Init.Logging;

/// <summary>
/// The last lines a service printed, in a fixed circular buffer of <see cref="CapacityBytes"/>
/// (each line with its newline): a new line overwrites the oldest, so what a service writes never
/// grows it and costs no allocation (a line longer than the buffer keeps its end). What
/// <c>sv log</c> shows: "what did it print before it crashed".
/// </summary>
public sealed class LineRing(int capacityBytes)
{
    private readonly byte[] _buffer = new byte[Math.Max(capacityBytes, 0)];
    private int _head;      // where the next byte goes
    private int _length;    // bytes held, up to the capacity
    private long _total;    // bytes ever put: the buffer holds the stream's last _length of them
    private bool _lineAtTail = true;   // the oldest byte held starts a line (the one before it, overwritten, was a newline)

    public int CapacityBytes => _buffer.Length;

    public void Add(ReadOnlySpan<byte> line)
    {
        if (_buffer.Length < 2) return;
        if (line.Length > _buffer.Length - 1) line = line[^(_buffer.Length - 1)..];
        Put(line);
        Put("\n"u8);
    }

    private void Put(ReadOnlySpan<byte> bytes)
    {
        // Once the buffer wraps, the oldest byte kept is the stream's byte at total - capacity; the
        // one before it is still here, about to be overwritten: whether it is a newline says
        // whether the oldest line kept is whole.
        long total = _total + bytes.Length, before = total - _buffer.Length - 1;
        _lineAtTail = before < 0 || _buffer[before % _buffer.Length] == (byte)'\n';
        _total = total;
        int first = Math.Min(bytes.Length, _buffer.Length - _head);
        bytes[..first].CopyTo(_buffer.AsSpan(_head));
        bytes[first..].CopyTo(_buffer);
        _head = (_head + bytes.Length) % _buffer.Length;
        _length = Math.Min(_length + bytes.Length, _buffer.Length);
    }

    /// <summary>Every whole line kept, oldest first, each ended by a newline (the oldest, when partly overwritten, is left out).</summary>
    public byte[] Snapshot()
    {
        var text = new byte[_length];
        int tail = (_head - _length + _buffer.Length) % _buffer.Length;
        int first = Math.Min(_length, _buffer.Length - tail);
        _buffer.AsSpan(tail, first).CopyTo(text);
        _buffer.AsSpan(0, _length - first).CopyTo(text.AsSpan(first));
        if (_lineAtTail) return text;
        int newline = Array.IndexOf(text, (byte)'\n');
        return newline < 0 ? [] : text[(newline + 1)..];
    }
}
