using System.Runtime.InteropServices;

namespace Init.Interop;

/// <summary>libc entry points PID 1 needs at boot and shutdown: mounts and the hostname.</summary>
public static unsafe partial class Libc
{
    [LibraryImport(Lib, SetLastError = true)] public static partial int mount(byte* source, byte* target, byte* fstype, nuint flags, byte* data);
    [LibraryImport(Lib, SetLastError = true)] public static partial int umount2(byte* target, int flags);
    [LibraryImport(Lib, SetLastError = true)] public static partial int sethostname(byte* name, nuint len);
}

/// <summary>Constants for mount(2) and umount2(2).</summary>
public static class BootConsts
{
    public const uint MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_REMOUNT = 32, MS_RELATIME = 1 << 21;
    public const int MNT_FORCE = 1, MNT_DETACH = 2;
    public const int EBUSY = 16;
}
