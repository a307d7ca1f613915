using System.Buffers;
using Init.Interop;

namespace Init.Logging;

/// <summary>
/// The u/U config lines: each selected line also goes out as one UDP datagram. When that fails
/// runit writes a warning line into the log instead, and so do we.
/// </summary>
internal sealed class UdpSender
{
    private int _fd = -1;
    private readonly ArrayBufferWriter<byte> _message = new(1100);

    public void Send(LogDirectory dir, ReadOnlySpan<byte> stamp, ReadOnlySpan<byte> line, bool truncated, ulong lineMax)
    {
        var config = dir.Config;
        if (_fd < 0) _fd = Sys.UdpSocket();
        _message.Clear();
        LineRouter.Copy(_message, stamp, config.Prefix, line, truncated);
        if (_fd < 0)
        {
            dir.Put("warning: no udp socket available: "u8);
            dir.Put(stamp); dir.Put(config.Prefix); dir.Put(line);
            dir.EndLine(lineMax);
            return;
        }
        var data = _message.WrittenSpan;
        if (Sys.SendTo(_fd, data, config.UdpAddressBytes!, config.UdpPort) != data.Length)
        {
            dir.Put("warning: failure sending through udp: "u8);
            dir.Put(data[..^1]);
            dir.EndLine(lineMax);
        }
    }
}
