using System.Globalization;
using System.Text;
using Init.Supervision;

namespace Init.Import;

/// <summary>
/// A systemd <c>.service</c> unit made a service directory: a <c>run</c> script (or a oneshot's
/// <c>up</c> and <c>down</c>) that sets up what the unit's [Service] section asks for in sh and
/// <c>chpst</c>, then execs the daemon; Init's and s6's files for what they express (readiness,
/// timeouts, the stop signal, restart policy, dependencies, cgroup limits); <c>control/t</c>,
/// <c>control/h</c> and <c>finish</c> for ExecStop=, ExecReload= and ExecStopPost=. Every entry that
/// is not translated is noted with its line, and why.
/// </summary>
public sealed partial class UnitImport
{
    private readonly UnitFile _unit;
    private readonly string _source;
    private readonly string _unitName;
    private readonly ServiceDraft _draft;
    /// <summary>Entries already translated (or noted), by identity.</summary>
    private readonly HashSet<UnitEntry> _done = new(ReferenceEqualityComparer.Instance);

    private string? _user, _group;
    private string[] _supplementary = [];
    private bool _splits;

    private UnitImport(UnitFile unit, string source, string unitName, string serviceName)
    {
        _unit = unit;
        _source = source;
        _unitName = unitName;
        _draft = new ServiceDraft(serviceName);
    }

    /// <summary>
    /// Converts <paramref name="text"/>, the unit <paramref name="unitName"/> (e.g. <c>ssh.service</c>)
    /// read from <paramref name="source"/>, into the service <paramref name="serviceName"/>. Null, with
    /// <paramref name="error"/>, when it is no service unit.
    /// </summary>
    public static ServiceDraft? Convert(string text, string source, string unitName, string serviceName, out string? error)
    {
        var unit = UnitFile.Parse(text);
        error = null;
        if (!unit.Entries.Any(e => e.Section == "Service"))
        {
            error = unit.Entries.FirstOrDefault(e => e.Section is not ("Unit" or "Install")) is { } other
                ? $"a [{other.Section}] unit, not a service: only .service units are imported"
                : "no [Service] section: not a service unit";
            return null;
        }
        var import = new UnitImport(unit, source, unitName, serviceName);
        if (!import.Translate(out error)) return null;
        return import._draft;
    }

    private string Where(UnitEntry entry) => $"{_source}:{entry.Line}";

    /// <summary>Notes <paramref name="entry"/> as not translated, with <paramref name="reason"/>.</summary>
    private void Skip(UnitEntry entry, string reason)
    {
        _done.Add(entry);
        _draft.Note($"{Where(entry)}: {entry}: not translated: {reason}", entry.Line);
    }

    /// <summary>Notes how <paramref name="entry"/> was translated when it is only close to systemd's meaning.</summary>
    private void Approximate(UnitEntry entry, string how)
    {
        _done.Add(entry);
        _draft.Note($"{Where(entry)}: {entry}: approximated: {how}", entry.Line);
    }

    private UnitEntry? Take(string section, string key)
    {
        var entry = _unit.Last(section, key);
        foreach (var e in _unit.Entries) if (e.Section == section && e.Key == key) _done.Add(e);
        return entry;
    }

    private List<UnitEntry> TakeList(string section, string key)
    {
        foreach (var e in _unit.Entries) if (e.Section == section && e.Key == key) _done.Add(e);
        return _unit.List(section, key);
    }

    private string? Value(string section, string key) => Take(section, key)?.Value;

    private bool Translate(out string? error)
    {
        error = null;
        foreach (var (line, text) in _unit.Malformed) _draft.Note($"{_source}:{line}: not a Key=value line: \"{text}\": ignored", line);

        string type = Value("Service", "Type") ?? (_unit.Last("Service", "BusName") is not null ? "dbus" : "simple");
        var starts = Commands("ExecStart", out string? why);
        if (why is not null) { error = "ExecStart= is not a command line: " + why; return false; }
        bool oneshot = type == "oneshot";
        if (starts.Count == 0 && !oneshot) { error = "no ExecStart=: nothing to run"; return false; }
        if (starts.Count > 1 && !oneshot) { error = "several ExecStart= lines, which only Type=oneshot may have"; return false; }

        Identity();
        var preamble = Preamble();
        var pre = Commands("ExecStartPre", out _);
        var stop = Commands("ExecStop", out _);
        var stopPost = Commands("ExecStopPost", out _);
        var reload = Commands("ExecReload", out _);

        if (oneshot) Oneshot(preamble, pre, starts, stop, stopPost);
        else
        {
            Longrun(type, preamble, pre, starts[0]);
            if (stop.Count > 0) _draft.Script("control/t", ControlScript("ExecStop", "run before the down-signal (sv down, sv restart, stage 3),\n# then exit 1: the signal still goes to whatever is left, as systemd's KillSignal= after ExecStop=", preamble, stop, handled: false));
            if (stopPost.Count > 0) _draft.Script("finish", FinishScript(preamble, stopPost));
        }
        if (reload.Count > 0) _draft.Script("control/h", ControlScript("ExecReload", "run by sv reload instead of a HUP,\n# then exit 0: no HUP is sent, even when the reload failed (reported)", preamble, reload, handled: true));

        Policy(type, oneshot);
        Dependencies();
        Limits();
        Install();
        NoteTheRest();
        return true;
    }

    /// <summary>
    /// The commands of a key, in order (an empty value clears the list). One that is no command is
    /// noted and left out, the others kept; <paramref name="why"/> says what was wrong with the first such.
    /// </summary>
    private List<ExecCommand> Commands(string key, out string? why)
    {
        why = null;
        var commands = new List<ExecCommand>();
        foreach (var entry in TakeList("Service", key))
        {
            if (ExecCommand.Parse(entry.Value, Specifier, out string? error) is not { } command)
            {
                _draft.Note($"{Where(entry)}: {entry}: not translated: {error}", entry.Line);
                why ??= error;
                continue;
            }
            if (command.Prefixes.Contains('|')) _draft.Note($"{Where(entry)}: {entry}: approximated: the | prefix (a login shell) is not used", entry.Line);
            if (key == "ExecStart" && command.IgnoresFailure) _draft.Note($"{Where(entry)}: {entry}: approximated: the - prefix: a failing daemon is a failure, restarted by its restart-policy", entry.Line);
            commands.Add(command);
        }
        if (commands.Any(c => c.Words.Any(w => w.Parts.Any(p => p.Kind == WordPart.Kinds.SplitVariable)))) _splits = true;
        return commands;
    }

    /// <summary>What systemd's specifiers stand for here (systemd.unit(5), "Specifiers"); null for those Init cannot know when importing.</summary>
    private WordPart? Specifier(char c)
    {
        string name = _unitName.EndsWith(".service", StringComparison.Ordinal) ? _unitName[..^8] : _unitName;
        int at = name.IndexOf('@');
        string prefix = at >= 0 ? name[..at] : name;
        return c switch
        {
            'n' => WordPart.Literal(_unitName),
            'N' => WordPart.Literal(name),
            'p' => WordPart.Literal(prefix),
            'i' or 'I' when at >= 0 && at == name.Length - 1 => WordPart.Variable(ServiceInstance.ArgumentVariable),
            'i' or 'I' when at >= 0 => WordPart.Literal(name[(at + 1)..]),
            'i' or 'I' => WordPart.Literal(""),
            't' => WordPart.Literal("/run"),
            'S' => WordPart.Literal("/var/lib"),
            'C' => WordPart.Literal("/var/cache"),
            'L' => WordPart.Literal("/var/log"),
            'E' => WordPart.Literal("/etc"),
            'T' => WordPart.Literal("/tmp"),
            'V' => WordPart.Literal("/var/tmp"),
            'u' => WordPart.Literal(_user ?? "root"),
            'g' => WordPart.Literal(_group ?? _user ?? "root"),
            'h' => WordPart.Variable("HOME"),
            _ => null,
        };
    }

    /// <summary>
    /// A value that is not a command line (a path) with its specifiers replaced, as one word for sh
    /// (a template's <c>%i</c> is its instance at run time); null when a specifier is unknown (noted).
    /// </summary>
    private ShellWord? Expanded(UnitEntry entry, string text)
    {
        var parts = new List<WordPart>();
        var literal = new StringBuilder();
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] != '%' || i + 1 == text.Length) { literal.Append(text[i]); continue; }
            char c = text[++i];
            if (c == '%') { literal.Append('%'); continue; }
            if (Specifier(c) is not { } part) { Skip(entry, $"the specifier %{c}, which Init does not know"); return null; }
            if (part.Kind == WordPart.Kinds.Literal) { literal.Append(part.Text); continue; }
            if (literal.Length > 0) { parts.Add(WordPart.Literal(literal.ToString())); literal.Clear(); }
            parts.Add(part);
        }
        if (literal.Length > 0) parts.Add(WordPart.Literal(literal.ToString()));
        return new ShellWord(parts);
    }

    private void Identity()
    {
        _user = Value("Service", "User");
        _group = Value("Service", "Group");
        _supplementary = TakeList("Service", "SupplementaryGroups").SelectMany(e => Words(e.Value)).ToArray();
        if (Take("Service", "DynamicUser") is { } dynamic && SystemdValues.Boolean(dynamic.Value) == true)
            Skip(dynamic, "Init allocates no users: create one and name it in User=");
    }

    private static string[] Words(string value) => value.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);

    /// <summary>chpst's part of a command: the user and groups (unless the command runs as root), nice, root directory, argv[0].</summary>
    private string Chpst(ExecCommand command)
    {
        var options = new List<string>();
        if (!command.RunsAsRoot && (_user ?? _group) is not null)
        {
            string account = (_user ?? "root") + (_group is null && _supplementary.Length == 0 ? "" : ":" + (_group ?? _user ?? "root"));
            foreach (string group in _supplementary) account += ":" + group;
            options.Add("-u " + Shell.Quote(account));
        }
        if (_nice is { } nice) options.Add("-n " + nice);
        if (_root is { } root) options.Add("-/ " + root);
        if (command.ArgvZero is { } argv0) options.Add("-b " + argv0.Render());
        return options.Count == 0 ? "" : "chpst " + string.Join(' ', options) + " ";
    }

    private static string Render(IEnumerable<ShellWord> words) => string.Join(' ', words.Select(w => w.Render()));

    /// <summary>One command as a line of sh, through chpst when it needs to be.</summary>
    private string Line(ExecCommand command) => Chpst(command) + Render(command.Arguments);

    /// <summary>A command that must succeed, unless its <c>-</c> says its failure does not count.</summary>
    private string Checked(ExecCommand command, string failure = "exit $?") =>
        Line(command) + (command.IgnoresFailure ? " || :" : " || " + failure);
}
