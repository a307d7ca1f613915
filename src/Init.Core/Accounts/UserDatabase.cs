using Init.Runtime;

namespace Init.Accounts;

/// <summary>A user's ids as /etc/passwd names them.</summary>
public readonly record struct UserEntry(string Name, uint Uid, uint Gid);

/// <summary>
/// Looks users and groups up in /etc/passwd and /etc/group directly (no NSS): works the same under
/// NativeAOT and static linking, and is what a service box has. Missing files mean "unknown".
/// </summary>
public sealed class UserDatabase(string passwdPath = "/etc/passwd", string groupPath = "/etc/group")
{
    public UserEntry? FindUser(string name)
    {
        foreach (var fields in Lines(passwdPath))
            if (fields.Length >= 4 && fields[0] == name && uint.TryParse(fields[2], out uint uid) && uint.TryParse(fields[3], out uint gid))
                return new UserEntry(name, uid, gid);
        return null;
    }

    public uint? FindGroup(string name)
    {
        foreach (var fields in Lines(groupPath))
            if (fields.Length >= 3 && fields[0] == name && uint.TryParse(fields[2], out uint gid))
                return gid;
        return null;
    }

    private static IEnumerable<string[]> Lines(string path)
    {
        string[] lines;
        try { lines = File.ReadAllLines(path); }
        catch (IOException) { yield break; }
        catch (UnauthorizedAccessException) { yield break; }
        foreach (var line in lines)
            if (line.Length > 0 && line[0] != '#') yield return line.Split(':');
    }
}

/// <summary>The result of runit's uidgid parsing: a uid and 1..60 gids (the first one is setgid's).</summary>
public sealed record UidGids(uint Uid, uint[] Gids);

/// <summary>runit's <c>[:]user[:group[:group…]]</c> and <c>:uid:gid[:gid…]</c> account syntax.</summary>
public static class AccountSpec
{
    public const int MaxGroups = 60;

    /// <summary>Plain account name (setuidgid, envuidgid): the user and its primary group.</summary>
    public static UidGids? ResolveUser(string user, UserDatabase db) =>
        db.FindUser(user) is { } u ? new UidGids(u.Uid, [u.Gid]) : null;

    /// <summary>chpst's -u/-U argument; null when a name is unknown or numbers are malformed.</summary>
    public static UidGids? Resolve(string spec, UserDatabase db)
    {
        if (spec.StartsWith(':')) return Numeric(spec[1..]);
        int colon = spec.IndexOf(':');
        var user = db.FindUser(colon < 0 ? spec : spec[..colon]);
        if (user is null) return null;
        if (colon < 0) return new UidGids(user.Value.Uid, [user.Value.Gid]);
        var gids = new List<uint>();
        foreach (var group in spec[(colon + 1)..].Split(':'))
        {
            if (gids.Count == MaxGroups) break;
            if (db.FindGroup(group) is not { } gid) return null;
            gids.Add(gid);
        }
        return new UidGids(user.Value.Uid, [.. gids]);
    }

    // uid:gid[:gid...]: digits as scan_ulong reads them (an empty number is 0), nothing else.
    private static UidGids? Numeric(string s)
    {
        var parts = s.Split(':');
        if (parts.Length < 2 || parts.Length > MaxGroups + 1) return null;
        if (!TryScan(parts[0], out uint uid)) return null;
        var gids = new uint[parts.Length - 1];
        for (int i = 1; i < parts.Length; i++)
            if (!TryScan(parts[i], out gids[i - 1])) return null;
        return new UidGids(uid, gids);
    }

    private static bool TryScan(string digits, out uint value)
    {
        bool all = Digits.TryScanAll(digits, out ulong v);
        value = unchecked((uint)v); // C's unsigned int wraps the same way
        return all;
    }
}
