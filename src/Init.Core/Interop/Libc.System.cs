using System.Runtime.InteropServices;

namespace Init.Interop;

// The machine as a whole, for PID 1: mounts, the hostname, reboot(2).
internal static unsafe partial class Libc
{
    [LibraryImport(Lib, SetLastError = true)] public static partial int mount(byte* source, byte* target, byte* fstype, nuint flags, byte* data);
    [LibraryImport(Lib, SetLastError = true)] public static partial int umount2(byte* target, int flags);
    [LibraryImport(Lib, SetLastError = true)] public static partial int sethostname(byte* name, nuint len);
    [LibraryImport(Lib, SetLastError = true)] public static partial int reboot(int cmd);
}
