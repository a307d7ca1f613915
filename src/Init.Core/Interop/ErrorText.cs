namespace Init.Interop;

/// <summary>
/// errno → text as runit's tools print it (djb's error_str table, runit src/error_str.c), so
/// operators' grep patterns and runit's own test expectations keep matching.
/// </summary>
public static class ErrorText
{
    public static string Of(int errno) => errno switch
    {
        0 => "no error",
        1 => "permission denied",
        2 => "file does not exist",
        3 => "no such process",
        4 => "interrupted system call",
        5 => "input/output error",
        6 => "device not configured",
        7 => "argument list too long",
        8 => "exec format error",
        9 => "file descriptor not open",
        10 => "no child processes",
        11 => "temporary failure",
        12 => "out of memory",
        13 => "access denied",
        14 => "bad address",
        15 => "not a block device",
        16 => "device busy",
        17 => "file already exists",
        18 => "cross-device link",
        19 => "device does not support operation",
        20 => "not a directory",
        21 => "is a directory",
        22 => "invalid argument",
        23 => "system cannot open more files",
        24 => "process cannot open more files",
        25 => "not a tty",
        26 => "text busy",
        27 => "file too big",
        28 => "out of disk space",
        29 => "unseekable descriptor",
        30 => "read-only file system",
        31 => "too many links",
        32 => "broken pipe",
        33 => "input out of range",
        34 => "output out of range",
        35 => "operation would cause deadlock",
        36 => "file name too long",
        37 => "no locks available",
        38 => "system call not available",
        39 => "directory not empty",
        40 => "symbolic link loop",
        71 => "protocol error",
        95 => "operation not supported",
        97 => "address family not supported",
        98 => "address already used",
        99 => "address not available",
        110 => "timed out",
        111 => "connection refused",
        115 => "operation in progress",
        122 => "disk quota exceeded",
        _ => "error " + errno,
    };
}
