using System.Buffers.Binary;
using Init.Runtime;

namespace Init.Supervision;

public enum RunState : byte { Down = 0, Run = 1, Finish = 2 }

/// <summary>
/// The 20-byte <c>supervise/status</c> record, bit for bit as runit's runsv writes it:
/// TAI64N of the last state change (12 bytes, big-endian), pid (4 bytes, little-endian —
/// runit overwrites the attoseconds), paused flag, want ('u' or 'd'), TERM-sent flag, state.
/// Bytes 0–17 are daemontools' supervise format.
/// </summary>
public readonly record struct StatusRecord(Tai64N Since, int Pid, bool Paused, char Want, bool TermSent, RunState State)
{
    public const int Size = 20;

    public void Write(Span<byte> destination)
    {
        Since.Write(destination);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], Pid);
        destination[16] = Paused ? (byte)1 : (byte)0;
        destination[17] = (byte)Want;
        destination[18] = TermSent ? (byte)1 : (byte)0;
        destination[19] = (byte)State;
    }

    public byte[] ToBytes()
    {
        var bytes = new byte[Size];
        Write(bytes);
        return bytes;
    }

    /// <summary>Decodes a record; false for anything that is not exactly 20 bytes (daemontools' 18-byte files included).</summary>
    public static bool TryRead(ReadOnlySpan<byte> source, out StatusRecord record)
    {
        record = default;
        if (source.Length != Size) return false;
        record = new StatusRecord(
            Tai64N.Read(source),
            BinaryPrimitives.ReadInt32LittleEndian(source[12..]),
            source[16] != 0,
            (char)source[17],
            source[18] != 0,
            (RunState)source[19]);
        return true;
    }

    /// <summary>The one-line <c>supervise/stat</c> text runsv writes beside the record.</summary>
    public string StatText(bool wantExit)
    {
        var text = State switch { RunState.Run => "run", RunState.Finish => "finish", _ => "down" };
        if (Paused) text += ", paused";
        if (TermSent) text += ", got TERM";
        if (State != RunState.Down)
        {
            if (wantExit) text += ", want exit";
            else if (Want == 'd') text += ", want down";
        }
        return text + "\n";
    }
}
