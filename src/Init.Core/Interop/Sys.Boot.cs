using System.Runtime.InteropServices;

namespace Init.Interop;

/// <summary>Wrappers for the boot-time calls in <see cref="Libc"/> (mount, umount2, sethostname).</summary>
public static unsafe class SysBoot
{
    public static int LastErrno { get; private set; }

    private static int Result(int r)
    {
        if (r == 0) return 0;
        LastErrno = Marshal.GetLastPInvokeError();
        return -1;
    }

    public static int Mount(string source, string target, string fstype, uint flags, string? data)
    {
        Span<byte> s = Sys.Utf8Z(source, stackalloc byte[128]);
        Span<byte> t = Sys.Utf8Z(target, stackalloc byte[256]);
        Span<byte> f = Sys.Utf8Z(fstype, stackalloc byte[64]);
        Span<byte> d = Sys.Utf8Z(data ?? "", stackalloc byte[128]);
        fixed (byte* ps = s) fixed (byte* pt = t) fixed (byte* pf = f) fixed (byte* pd = d)
            return Result(Libc.mount(ps, pt, pf, flags, data is null ? null : pd));
    }

    public static int Umount(string target, int flags)
    {
        Span<byte> t = Sys.Utf8Z(target, stackalloc byte[256]);
        fixed (byte* pt = t) return Result(Libc.umount2(pt, flags));
    }

    public static int SetHostname(string name)
    {
        Span<byte> n = Sys.Utf8Z(name, stackalloc byte[256]);
        fixed (byte* pn = n) return Result(Libc.sethostname(pn, (nuint)(n.Length - 1)));
    }
}
