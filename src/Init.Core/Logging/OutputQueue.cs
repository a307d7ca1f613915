namespace Init.Logging;

/// <summary>
/// Bytes on their way to a log directory's <c>current</c>, with the points where a rotation must
/// happen between them. Planning (where lines go, when to rotate) is done when lines arrive;
/// the writing can stall (full disk) and resume later without re-planning or losing a byte.
/// </summary>
public sealed class OutputQueue
{
    private byte[] _buffer = new byte[64 * 1024];
    private readonly Queue<int> _rotations = new();

    public int Length { get; private set; }
    /// <summary>How far writing has got.</summary>
    public int Done { get; private set; }
    public bool IsEmpty => Done == Length && _rotations.Count == 0;

    public void Append(ReadOnlySpan<byte> data)
    {
        if (Length + data.Length > _buffer.Length)
            Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, Length + data.Length));
        data.CopyTo(_buffer.AsSpan(Length));
        Length += data.Length;
    }

    public void Append(byte b)
    {
        if (Length == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        _buffer[Length++] = b;
    }

    /// <summary>Marks a rotation after everything appended so far.</summary>
    public void MarkRotation() => _rotations.Enqueue(Length);

    /// <summary>The bytes to write before the next rotation mark (or the end).</summary>
    public ReadOnlySpan<byte> NextChunk()
    {
        int end = _rotations.Count > 0 ? _rotations.Peek() : Length;
        return _buffer.AsSpan(Done, end - Done);
    }

    public void Advance(int n) => Done += n;

    /// <summary>True (and the mark consumed) when writing has reached a rotation mark.</summary>
    public bool TakeRotation()
    {
        if (_rotations.Count == 0 || _rotations.Peek() != Done) return false;
        _rotations.Dequeue();
        return true;
    }

    /// <summary>Forgets what has been written once everything is; keeps the buffer.</summary>
    public void Compact()
    {
        if (Done == Length && _rotations.Count == 0) Done = Length = 0;
    }
}
