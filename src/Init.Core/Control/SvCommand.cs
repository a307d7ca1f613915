namespace Init.Control;

/// <summary>What the first action of sv does to each service.</summary>
public enum SvAct { None, Control, Status }

/// <summary>
/// One parsed sv command, as runit's sv dispatches it: on the first character of the word, with the
/// LSB names spelled out. <see cref="Acts"/> are the control bytes (or 'C' for check), <see cref="Wait"/>
/// says whether sv then polls with <c>check()</c>, <see cref="Kill"/> whether an expired wait sends <c>k</c>.
/// </summary>
public sealed record SvCommand(SvAct Act, string Acts, bool Wait, bool Kill)
{
    /// <summary>null: a usage error.</summary>
    public static SvCommand? Parse(string action, bool verbose, bool lsb)
    {
        if (action.Length == 0) return null;
        SvCommand Control(string acts) => new(SvAct.Control, acts, verbose, false);
        SvCommand Waiting(string acts, bool kill = false) => new(SvAct.Control, acts, true, kill);
        switch (action[0])
        {
            case 'x': case 'e': return Control("x");
            case 'X': case 'E': return Waiting("x", kill: true);
            case 'D': return Waiting("d", kill: true);
            case 'T': return Waiting("tc", kill: true);
            case 's':
                if (action == "shutdown") return Waiting("x");
                if (action == "start") return Waiting("u");
                if (action == "stop") return Waiting("d");
                if (lsb && action != "status") return null;
                return new(SvAct.Status, "s", false, false);
            case 'r':
                if (action == "restart") return Waiting("tcu");
                if (action == "reload") return Waiting("h");
                return null;
            case 'f':
                return action switch
                {
                    "force-reload" => Waiting("tc", kill: true),
                    "force-restart" => Waiting("tcu", kill: true),
                    "force-shutdown" => Waiting("x", kill: true),
                    "force-stop" => Waiting("d", kill: true),
                    _ => null,
                };
            case 't' when action == "try-restart": return Waiting("tc");
            case 'c' when action == "check": return new(SvAct.None, "C", true, false);
            // Any other word is its first character (term, cont, hup, 1, …), as runit's sv.
            case 't': case 'c': case 'u': case 'd': case 'o': case 'p': case 'h':
            case 'a': case 'i': case 'k': case 'q': case '1': case '2':
                return Control(action[..1]);
            default: return null;
        }
    }
}
