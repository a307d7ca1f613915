using System.Runtime.InteropServices;

namespace Init.RuntimeFloor;

/// <summary>
/// Does nothing: its run time is the NativeAOT runtime's start-up and exit alone. Given
/// <c>-- PROGRAM [ARGS]</c>, it does the least any entrypoint must: posix_spawn the program and wait
/// for it, nothing else (no signal set-up, no reaping); what that adds is the stack's floor for an
/// entrypoint, against which the container benchmark sets what init's own code adds.
/// </summary>
public static unsafe partial class Program
{
    public static int Main(string[] args)
    {
        if (args.Length < 2 || args[0] != "--") return 0;
        var strings = new nint[args.Length];
        for (int i = 1; i < args.Length; i++) strings[i - 1] = Marshal.StringToHGlobalAnsi(args[i]);
        fixed (nint* argv = strings)
        {
            nint* envp = stackalloc nint[1];
            envp[0] = 0;
            if (posix_spawn(out int pid, (byte*)argv[0], null, null, (byte**)argv, (byte**)envp) != 0) return 127;
            return waitpid(pid, out int status, 0) == pid && (status & 0x7f) == 0 ? (status >> 8) & 0xff : 1;
        }
    }

    [LibraryImport("libc")] private static partial int posix_spawn(out int pid, byte* path, void* fileActions, void* attributes, byte** argv, byte** envp);
    [LibraryImport("libc")] private static partial int waitpid(int pid, out int status, int options);
}
