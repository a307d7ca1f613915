using System.Runtime.CompilerServices;

[assembly: DisableRuntimeMarshalling]

namespace Init.Interop;

/// <summary>
/// Raw libc entry points that Tmds.LibC does not bind, one file per syscall family (Libc.Files.cs,
/// Libc.Process.cs, …). C names, blittable arguments. Internal: everything outside Init.Interop
/// goes through <see cref="Sys"/>, which adds EINTR retries and the one errno store (LayerTests
/// fails any type elsewhere that names Libc or Tmds.Linux.LibC).
/// </summary>
internal static unsafe partial class Libc
{
    private const string Lib = "libc";
}
