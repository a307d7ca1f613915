using System.Runtime.InteropServices;
using Init.Interop;
using static Init.Interop.Consts;

namespace Init.Runtime;

/// <summary>What to start and with which process state; defaults are a service's.</summary>
public sealed record SpawnRequest
{
    public const int Inherit = -1;
    public const int Closed = -2;

    /// <summary>Path of the program (searched in PATH when <see cref="SearchPath"/>).</summary>
    public required string Path { get; init; }
    /// <summary>argv, argv[0] included.</summary>
    public required string[] Arguments { get; init; }
    public string? WorkingDirectory { get; init; }
    public int Stdin { get; init; } = Inherit;
    public int Stdout { get; init; } = Inherit;
    public int Stderr { get; init; } = Inherit;
    /// <summary>Extra descriptors handed to the child: (our fd, the child's fd number).</summary>
    public (int Source, int Target)[] ExtraFds { get; init; } = [];
    public bool NewSession { get; init; } = true;
    /// <summary>With <see cref="NewSession"/> off: put the child in a process group of its own.</summary>
    public bool NewProcessGroup { get; init; }
    public bool SearchPath { get; init; }
    /// <summary>"NAME=value" entries; null passes our own environment on unchanged.</summary>
    public IReadOnlyList<string>? Environment { get; init; }
    /// <summary>The child's signal mask; empty unless a container passes on what it was started with.</summary>
    public SignalSet SignalMask { get; init; }
    /// <summary>Signals the child keeps ignored (only where we ignore them too); every other one is reset to SIG_DFL.</summary>
    public SignalSet KeepIgnored { get; init; }
    /// <summary>A terminal fd whose foreground process group becomes the child's new group (tini's tcsetpgrp); -1 = none.</summary>
    public int ForegroundTerminal { get; init; } = -1;
    /// <summary>
    /// A terminal the child, leader of its new session, takes as its controlling terminal (dumb-init's
    /// TIOCSCTTY): opened once without O_NOCTTY in the child, which acquires it when no session owns it.
    /// </summary>
    public string? ControllingTerminal { get; init; }
}

/// <summary>
/// The one spawn path: glibc's posix_spawn (CLONE_VFORK; no managed code runs in the child),
/// with an explicit signal mask, every signal reset to default (the runtime ignores SIGPIPE and
/// SIG_IGN survives exec), a new session, stdio as asked and nothing else inherited.
/// </summary>
public static unsafe class Spawner
{
    /// <summary>
    /// Starts the child. Returns 0 and its pid, or an errno (ENOENT, EACCES, …) and pid 0: from
    /// posix_spawn, or from the attribute or file-action call that failed before it (then nothing
    /// was started). Either way everything built for the spawn is destroyed.
    /// </summary>
    public static int Spawn(SpawnRequest request, out int pid)
    {
        pid = 0;
        // The child needs a pidfd to be watched and its supervisor one more to publish its state:
        // short of two free descriptors it is not started (reported and retried), never unwatched.
        if (FdLimit.Exhausted()) return EMFILE;
        byte* attr = stackalloc byte[SpawnAttrSize];
        byte* actions = stackalloc byte[FileActionsSize];
        byte* mask = stackalloc byte[SigsetSize];
        byte* defaults = stackalloc byte[SigsetSize];
        int rc = Sys.SpawnAttrInit(attr);
        if (rc != 0) return rc;
        rc = Sys.FileActionsInit(actions);
        if (rc != 0) { Sys.SpawnAttrDestroy(attr); return rc; }
        var strings = new NativeStrings();
        try
        {
            rc = SetAttributes(request, attr, mask, defaults);
            if (rc == 0) rc = AddFileActions(request, actions, ref strings);
            if (rc != 0) return rc;

            byte** argv = strings.AddArray(request.Arguments);
            byte** envp = request.Environment is null ? Sys.Environ() : strings.AddArray(request.Environment);
            byte* path = strings.Add(request.Path);
            FdLimit.ForChild();
            rc = Sys.PosixSpawn(out pid, path, request.SearchPath, actions, attr, argv, envp);
            FdLimit.ForSelf();
            return rc;
        }
        finally
        {
            Sys.FileActionsDestroy(actions);
            Sys.SpawnAttrDestroy(attr);
            strings.Dispose();
        }
    }

    /// <summary>Flags, process group and signal state: 0, or the first call's error number.</summary>
    private static int SetAttributes(SpawnRequest request, byte* attr, byte* mask, byte* defaults)
    {
        int rc;
        short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
        if (request.NewSession) flags |= POSIX_SPAWN_SETSID;
        else if (request.NewProcessGroup)
        {
            flags |= POSIX_SPAWN_SETPGROUP;
            if ((rc = Sys.SpawnAttrSetPgroup(attr, 0)) != 0) return rc;
        }
        if ((rc = Sys.SpawnAttrSetFlags(attr, flags)) != 0) return rc;

        // Bits written directly: glibc's sigfillset/sigaddset skip its internal signals 32 and 33,
        // and its posix_spawn sets those to SIG_IGN in the child unless they are in the default set.
        Sys.WriteSigset(mask, request.SignalMask.Bits);
        if ((rc = Sys.SpawnAttrSetSigmask(attr, mask)) != 0) return rc;
        Sys.WriteSigset(defaults, ~request.KeepIgnored.Bits);
        return Sys.SpawnAttrSetSigdefault(attr, defaults);
    }

    /// <summary>stdio, extra fds, terminal, directory and closefrom: 0, or the first call's error number.</summary>
    private static int AddFileActions(SpawnRequest request, byte* actions, ref NativeStrings strings)
    {
        int rc;
        int[] stdio = [request.Stdin, request.Stdout, request.Stderr];
        var moves = new List<(int Source, int Target)>(3 + request.ExtraFds.Length);
        for (int target = 0; target <= 2; target++)
            if (stdio[target] >= 0) moves.Add((stdio[target], target));
        foreach (var move in request.ExtraFds) moves.Add(move);
        // A handful of moves, on every start: loops, not a set (its allocation cost more than the spawn's setup).
        int highest = 2;
        for (int i = 0; i < moves.Count; i++)
        {
            highest = Math.Max(highest, moves[i].Target);
            for (int j = 0; j < i; j++)
                if (moves[j].Target == moves[i].Target) return EINVAL;   // two sources for one number
        }
        foreach (var (source, target) in Ordered(CollectionsMarshal.AsSpan(moves)))
            if ((rc = Sys.FileActionsAddDup2(actions, source, target)) != 0) return rc;
        // Closed last: a descriptor of ours numbered 0 to 2 may be one of the sources above.
        for (int target = 0; target <= 2; target++)
            if (stdio[target] == SpawnRequest.Closed && (rc = Sys.FileActionsAddClose(actions, target)) != 0) return rc;
        if (request.ForegroundTerminal >= 0 && (rc = Sys.FileActionsAddTcsetpgrp(actions, request.ForegroundTerminal)) != 0) return rc;
        // After setsid (glibc applies POSIX_SPAWN_SETSID before the file actions); closefrom closes the copy.
        if (request.ControllingTerminal is { } tty && request.NewSession
            && (rc = Sys.FileActionsAddOpen(actions, highest + 1, strings.Add(tty), O_RDWR)) != 0) return rc;
        if (request.WorkingDirectory is not null && (rc = Sys.FileActionsAddChdir(actions, strings.Add(request.WorkingDirectory))) != 0) return rc;
        // Belt and braces: every fd of ours is O_CLOEXEC already (and this also closes the spare copies below).
        return Sys.FileActionsAddClosefrom(actions, highest + 1);
    }

    /// <summary>
    /// The dup2 calls that give every target its source, in an order that never overwrites a
    /// descriptor still to be copied: the file actions run one after another in the child, so
    /// (5 → 3, 3 → 4) done in that order would hand 5 to both. A move goes first when no pending
    /// move reads its target; a cycle (3 → 4, 4 → 3) is broken by copying one source to a spare
    /// number above all of them, which closefrom then closes. dup2 onto itself stays: it clears
    /// FD_CLOEXEC (glibc ≥ 2.29), so the same number works too.
    /// </summary>
    internal static List<(int Source, int Target)> Ordered(ReadOnlySpan<(int Source, int Target)> moves)
    {
        // Plain loops: this runs at every start of every service, and a handful of moves needs no more.
        var pending = new List<(int Source, int Target)>(moves.Length);
        int spare = 3;   // above stdio even when no move names it: an inherited 2 must survive
        foreach (var move in moves)
        {
            pending.Add(move);
            spare = Math.Max(spare, Math.Max(move.Source, move.Target) + 1);
        }
        var ordered = new List<(int, int)>(pending.Count + 1);
        while (pending.Count > 0)
        {
            int free = FirstSafe(pending);
            if (free >= 0)
            {
                ordered.Add(pending[free]);
                pending.RemoveAt(free);
                continue;
            }
            // Every target is still some other move's source: only cycles are left. Save one source aside.
            int saved = pending[0].Target;
            ordered.Add((saved, spare));
            for (int i = 0; i < pending.Count; i++)
                if (pending[i].Source == saved && pending[i].Target != saved) pending[i] = (spare, pending[i].Target);
            spare++;
        }
        return ordered;
    }

    /// <summary>
    /// The first move that destroys nothing still to be read: a dup2 onto itself, or one whose target
    /// no other pending move reads; -1 when there is none.
    /// </summary>
    private static int FirstSafe(List<(int Source, int Target)> pending)
    {
        for (int i = 0; i < pending.Count; i++)
        {
            var (source, target) = pending[i];
            bool read = false;
            for (int j = 0; j < pending.Count && !read && source != target; j++)
                read = j != i && pending[j].Source == target;
            if (!read) return i;
        }
        return -1;
    }
}
