namespace Init.Interop;

// posix_spawn and its attribute and file-action objects, for Runtime.Spawner. These calls return
// the error number itself; each wrapper returns it (0 = done) and leaves it in Errno as well.
public static unsafe partial class Sys
{
    private static int SpawnResult(int rc)
    {
        if (rc != 0) _errno = rc;
        return rc;
    }

    public static int SpawnAttrInit(void* attr) => SpawnResult(Libc.posix_spawnattr_init(attr));
    public static int SpawnAttrSetFlags(void* attr, short flags) => SpawnResult(Libc.posix_spawnattr_setflags(attr, flags));
    public static int SpawnAttrSetPgroup(void* attr, int pgroup) => SpawnResult(Libc.posix_spawnattr_setpgroup(attr, pgroup));
    public static int SpawnAttrSetSigmask(void* attr, byte* set) => SpawnResult(Libc.posix_spawnattr_setsigmask(attr, set));
    public static int SpawnAttrSetSigdefault(void* attr, byte* set) => SpawnResult(Libc.posix_spawnattr_setsigdefault(attr, set));

    public static int FileActionsInit(void* actions) => SpawnResult(Libc.posix_spawn_file_actions_init(actions));
    public static int FileActionsAddDup2(void* actions, int fd, int target) => SpawnResult(Libc.posix_spawn_file_actions_adddup2(actions, fd, target));
    public static int FileActionsAddClose(void* actions, int fd) => SpawnResult(Libc.posix_spawn_file_actions_addclose(actions, fd));
    public static int FileActionsAddOpen(void* actions, int fd, byte* path, int flags) => SpawnResult(Libc.posix_spawn_file_actions_addopen(actions, fd, path, flags, 0));
    public static int FileActionsAddChdir(void* actions, byte* path) => SpawnResult(Libc.posix_spawn_file_actions_addchdir_np(actions, path));
    public static int FileActionsAddClosefrom(void* actions, int from) => SpawnResult(Libc.posix_spawn_file_actions_addclosefrom_np(actions, from));
    public static int FileActionsAddTcsetpgrp(void* actions, int terminal) => SpawnResult(Libc.posix_spawn_file_actions_addtcsetpgrp_np(actions, terminal));

    // The destroy calls only free what init allocated (glibc always returns 0); nothing could be done with a failure.
    public static void SpawnAttrDestroy(void* attr) => Libc.posix_spawnattr_destroy(attr);
    public static void FileActionsDestroy(void* actions) => Libc.posix_spawn_file_actions_destroy(actions);

    /// <summary>posix_spawn(3), or posix_spawnp(3) searching PATH: 0 and the child's pid, or the error number.</summary>
    public static int PosixSpawn(out int pid, byte* path, bool searchPath, void* actions, void* attr, byte** argv, byte** envp)
    {
        int child = 0;
        int rc = searchPath
            ? Libc.posix_spawnp(&child, path, actions, attr, argv, envp)
            : Libc.posix_spawn(&child, path, actions, attr, argv, envp);
        pid = rc == 0 ? child : 0;
        return SpawnResult(rc);
    }

    private static nint _environ;

    /// <summary>The C library's own environ: the environment exactly as we received it (and as setenv changed it).</summary>
    public static byte** Environ()
    {
        if (_environ == 0)
        {
            byte* name = stackalloc byte[] { (byte)'e', (byte)'n', (byte)'v', (byte)'i', (byte)'r', (byte)'o', (byte)'n', 0 };
            _environ = Libc.dlsym(0, name);
        }
        return _environ == 0 ? null : *(byte***)_environ;
    }

    /// <summary>The entries of <see cref="Environ"/> ("NAME=value"), for a child that gets ours plus some.</summary>
    public static List<string> EnvironmentEntries()
    {
        var entries = new List<string>();
        byte** environ = Environ();
        for (int i = 0; environ != null && environ[i] != null; i++)
            entries.Add(System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)environ[i]) ?? "");
        return entries;
    }
}
