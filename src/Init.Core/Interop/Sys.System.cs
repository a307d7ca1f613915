using T = Tmds.Linux.LibC;

namespace Init.Interop;

// The machine as a whole, for PID 1: mounts, the hostname, sync and reboot(2).
public static unsafe partial class Sys
{
    public static int Mount(string source, string target, string fstype, uint flags, string? data)
    {
        Span<byte> s = Utf8Z(source, stackalloc byte[128]);
        Span<byte> t = Utf8Z(target, stackalloc byte[256]);
        Span<byte> f = Utf8Z(fstype, stackalloc byte[64]);
        Span<byte> d = Utf8Z(data ?? "", stackalloc byte[128]);
        fixed (byte* ps = s) fixed (byte* pt = t) fixed (byte* pf = f) fixed (byte* pd = d)
            return Result(Libc.mount(ps, pt, pf, flags, data is null ? null : pd));
    }

    public static int Umount(string target, int flags)
    {
        Span<byte> t = Utf8Z(target, stackalloc byte[256]);
        fixed (byte* pt = t) return Result(Libc.umount2(pt, flags));
    }

    public static int SetHostname(string name)
    {
        Span<byte> n = Utf8Z(name, stackalloc byte[256]);
        fixed (byte* pn = n) return Result(Libc.sethostname(pn, (nuint)(n.Length - 1)));
    }

    public static void Sync() => T.sync();

    public static int Reboot(int cmd) => Result(Libc.reboot(cmd));
}
