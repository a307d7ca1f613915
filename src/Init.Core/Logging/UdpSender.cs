using System.Buffers;
using System.Buffers.Binary;
using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Logging;

/// <summary>
/// The u/U config lines: each selected line also goes out as one UDP datagram. When that fails
/// runit writes a warning line into the log instead, and so do we.
/// </summary>
internal sealed unsafe class UdpSender
{
    private const int AF_INET = 2, SOCK_DGRAM = 2, SOCK_NONBLOCK = 0x800;
    private int _fd = -1;
    private readonly ArrayBufferWriter<byte> _message = new(1100);

    public void Send(LogDirectory dir, ReadOnlySpan<byte> stamp, ReadOnlySpan<byte> line, bool truncated, ulong lineMax)
    {
        var config = dir.Config;
        if (_fd < 0) _fd = Libc.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | O_CLOEXEC, 0);
        _message.Clear();
        LineRouter.Copy(_message, stamp, config.Prefix, line, truncated);
        if (_fd < 0)
        {
            dir.Put("warning: no udp socket available: "u8);
            dir.Put(stamp); dir.Put(config.Prefix); dir.Put(line);
            dir.EndLine(lineMax);
            return;
        }
        byte* address = stackalloc byte[16];
        new Span<byte>(address, 16).Clear();
        address[0] = AF_INET;
        BinaryPrimitives.WriteUInt16BigEndian(new Span<byte>(address + 2, 2), config.UdpPort);
        config.UdpAddressBytes!.CopyTo(new Span<byte>(address + 4, 4));
        var data = _message.WrittenSpan;
        nint sent;
        fixed (byte* p = data) sent = Libc.sendto(_fd, p, (nuint)data.Length, 0, address, 16);
        if (sent != data.Length)
        {
            dir.Put("warning: failure sending through udp: "u8);
            dir.Put(data[..^1]);
            dir.EndLine(lineMax);
        }
    }
}
