namespace Init.Logging;

/// <summary>
/// Lines out of a byte stream however it arrives in pieces: each without its newline, a line
/// longer than <see cref="MaxLine"/> passed on in pieces of that size, what is left without a
/// newline kept for the next piece (or <see cref="Flush"/>, at the end). Memory: one line, and
/// only once a line spans two pieces.
/// </summary>
public sealed class LineSplitter(Action<ReadOnlySpan<byte>> line)
{
    public const int MaxLine = 2048;

    private byte[] _partial = [];
    private int _partialLength;

    public void Add(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            int newline = data.IndexOf((byte)'\n');
            var piece = newline < 0 ? data : data[..newline];
            // The usual case: a whole line in this piece, passed on where it lies.
            if (_partialLength == 0 && newline >= 0 && piece.Length <= MaxLine)
            {
                line(piece);
                data = data[(newline + 1)..];
                continue;
            }
            if (_partial.Length < MaxLine) Array.Resize(ref _partial, MaxLine);
            while (_partialLength + piece.Length > MaxLine)
            {
                int take = MaxLine - _partialLength;
                piece[..take].CopyTo(_partial.AsSpan(_partialLength));
                _partialLength = MaxLine;
                Emit();
                piece = piece[take..];
            }
            piece.CopyTo(_partial.AsSpan(_partialLength));
            _partialLength += piece.Length;
            if (newline < 0) return;
            Emit();
            data = data[(newline + 1)..];
        }
    }

    /// <summary>The last line, when it had no newline.</summary>
    public void Flush()
    {
        if (_partialLength > 0) Emit();
    }

    private void Emit()
    {
        line(_partial.AsSpan(0, _partialLength));
        _partialLength = 0;
    }
}
