namespace Init.Logging;

/// <summary>
/// Lines out of a byte stream however it arrives in pieces: each without its newline, a line
/// longer than <see cref="MaxLine"/> passed on in pieces of that size, what is left without a
/// newline kept for the next piece (or <see cref="Flush"/>, at the end). Memory: one line.
/// </summary>
public sealed class LineSplitter(Action<ReadOnlySpan<byte>> line)
{
    public const int MaxLine = 2048;

    private readonly byte[] _partial = new byte[MaxLine];
    private int _partialLength;

    public void Add(ReadOnlySpan<byte> data)
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
