using System.Globalization;
using System.Text;
using Init.Supervision;

namespace Init.Import;

/// <summary>
/// The <c>[program:NAME]</c> sections of a supervisord config made service directories: a <c>run</c>
/// that sets the environment, directory, umask and user and execs the command; <c>down</c> for
/// autostart=false; restart-policy, down-signal, timeout-kill, restart-backoff and restart-limit
/// for autorestart, exitcodes, stopsignal, stopwaitsecs, startsecs and startretries; <c>log/run</c>
/// (svlogd) for a stdout_logfile. Every key not translated is noted with its line, and why.
/// </summary>
public static class SupervisordImport
{
    /// <summary>Whether <paramref name="text"/> looks like a supervisord config (a [program:…] or [include] section) rather than a unit.</summary>
    public static bool IsConfig(string text) =>
        text.Contains("[program:", StringComparison.Ordinal) || (text.Contains("[include]", StringComparison.Ordinal) && !text.Contains("[Service]", StringComparison.Ordinal));

    /// <summary>One draft per program (only <paramref name="program"/> when given); null, with <paramref name="error"/>, when there is none.</summary>
    public static List<ServiceDraft>? Convert(string text, string source, string? program, out string? error)
    {
        var config = SupervisordConfig.Parse(text, source, ReadOrNull);
        var drafts = new List<ServiceDraft>();
        var programs = config.Programs().ToList();
        foreach (var (name, entries) in programs)
        {
            if (program is not null && name != program) continue;
            if (name.Length == 0 || name.Contains('/') || name is "." or "..") { error = $"[program:{name}]: not a name for a service directory"; return null; }
            var draft = new ServiceDraft(name);
            foreach (string problem in config.Problems) draft.Note(problem);
            if (!Program(draft, name, entries, source, out error)) return null;
            if (drafts.Count == 0) NoteOtherSections(draft, config, program);
            drafts.Add(draft);
        }
        error = drafts.Count > 0 ? null
            : program is not null ? $"no [program:{program}] (it has {(programs.Count == 0 ? "none" : string.Join(", ", programs.Select(p => p.Name)))})"
            : "no [program:NAME] section: nothing to import";
        return drafts.Count > 0 ? drafts : null;
    }

    private static string? ReadOrNull(string path)
    {
        try { return File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return null; }
    }

    private static void NoteOtherSections(ServiceDraft draft, SupervisordConfig config, string? program)
    {
        foreach (var (name, file, line) in config.Sections)
        {
            string? why = name.StartsWith("program:", StringComparison.Ordinal) ? null
                : name == "include" ? null
                : name.StartsWith("group:", StringComparison.Ordinal) ? "a group: Init starts and stops services one by one (sv takes several names)"
                : name.StartsWith("eventlistener:", StringComparison.Ordinal) ? "an event listener: Init sends no supervisord events"
                : name.StartsWith("fcgi-program:", StringComparison.Ordinal) ? "a FastCGI program: hold its socket with a listen file and import it as a program"
                : "supervisord's own settings, not a program";
            if (why is not null) draft.Note($"{file}:{line}: [{name}]: not translated: {why}", line);
        }
    }

    private sealed class Values(List<SupervisordConfig.Entry> entries, string name, string here)
    {
        private readonly HashSet<SupervisordConfig.Entry> _done = new(ReferenceEqualityComparer.Instance);

        public SupervisordConfig.Entry? Take(string key)
        {
            var entry = entries.LastOrDefault(e => e.Key == key);
            foreach (var e in entries) if (e.Key == key) _done.Add(e);
            return entry;
        }

        public IEnumerable<SupervisordConfig.Entry> Rest => entries.Where(e => !_done.Contains(e));

        /// <summary>
        /// supervisord's expansions: <c>%(ENV_X)s</c> as the variable X when ./run runs, <c>%(program_name)s</c>,
        /// <c>%(process_num)d</c>, <c>%(here)s</c>, <c>%(group_name)s</c>, <c>%%</c>; null for another (unknown).
        /// </summary>
        public List<WordPart>? Expand(string text)
        {
            var parts = new List<WordPart>();
            var literal = new StringBuilder();
            for (int i = 0; i < text.Length; i++)
            {
                if (text[i] != '%') { literal.Append(text[i]); continue; }
                if (i + 1 < text.Length && text[i + 1] == '%') { literal.Append('%'); i++; continue; }
                int close = text.IndexOf(')', i);
                if (i + 1 >= text.Length || text[i + 1] != '(' || close < 0 || close + 1 >= text.Length) return null;
                string key = text[(i + 2)..close];
                int end = close + 1;
                while (end < text.Length && (char.IsAsciiDigit(text[end]) || text[end] == '.')) end++;
                if (end >= text.Length || text[end] is not ('s' or 'd')) return null;
                string format = text[(close + 1)..end];
                i = end;
                if (key.StartsWith("ENV_", StringComparison.Ordinal) && Shell.IsName(key.AsSpan(4)))
                {
                    if (literal.Length > 0) { parts.Add(WordPart.Literal(literal.ToString())); literal.Clear(); }
                    parts.Add(WordPart.Variable(key[4..]));
                    continue;
                }
                string? value = key switch
                {
                    "program_name" or "group_name" => name,
                    "process_num" => 0.ToString(format.Length > 0 ? "D" + format.TrimStart('0').Split('.')[0] : "D", CultureInfo.InvariantCulture),
                    "numprocs" => "1",
                    "here" => here,
                    "host_node_name" => null,
                    _ => null,
                };
                if (value is null) return null;
                literal.Append(value);
            }
            if (literal.Length > 0) parts.Add(WordPart.Literal(literal.ToString()));
            return parts;
        }

        /// <summary>An expanded value that must be literal (paths, names, numbers); null when it names a variable or is unknown.</summary>
        public string? Literal(string text) => Expand(text) is { } parts && parts.All(p => p.Kind == WordPart.Kinds.Literal) ? string.Concat(parts.Select(p => p.Text)) : null;
    }

    private static bool Program(ServiceDraft draft, string name, List<SupervisordConfig.Entry> entries, string source, out string? error)
    {
        error = null;
        var values = new Values(entries, name, Path.GetDirectoryName(Path.GetFullPath(source)) ?? "/");
        void Note(SupervisordConfig.Entry entry, string text) => draft.Note($"{entry.Source}:{entry.Line}: {entry}: {text}", entry.Line);

        var commandEntry = values.Take("command");
        if (commandEntry is null) { error = $"[program:{name}] has no command"; return false; }
        var words = values.Expand(commandEntry.Value) is { } expanded ? ShellSplit(expanded, out string? why) : null;
        if (words is null || words.Count == 0) { error = $"{commandEntry.Source}:{commandEntry.Line}: command: not a command line"; return false; }

        var run = new StringBuilder("#!/bin/sh\n");
        run.Append($"# {name}: [program:{name}] of {source}, made by `init import`.\n");
        bool variables = words.Any(w => w.Parts.Any(p => p.Kind != WordPart.Kinds.Literal));
        if (variables) run.Append("set -f\n");
        Streams(draft, values, run, name);
        // %(ENV_X)s is the supervisor's X, as supervisord expands it: taken before environment= is set.
        if (variables) run.Append("set -- ").Append(string.Join(' ', words.Select(w => w.Render()))).Append('\n');
        if (values.Take("environment") is { } environment)
        {
            foreach (var (key, value) in Assignments(environment.Value))
            {
                if (!Shell.IsName(key)) { Note(environment, $"{key}: not translated: not a variable name"); continue; }
                var parts = values.Expand(value);
                if (parts is null) { Note(environment, $"{key}: not translated: an expansion Init does not know"); continue; }
                run.Append($"export {key}={new ShellWord(parts).Render()}\n");
            }
        }
        if (values.Take("umask") is { } umask)
        {
            if (ServiceDraft.IsUmask(umask.Value)) run.Append($"umask {umask.Value}\n");
            else Note(umask, "not translated: not an octal mode");
        }
        if (values.Take("directory") is { } directory)
        {
            if (values.Literal(directory.Value) is { } path) run.Append($"cd {Shell.Quote(path)} || exit 1\n");
            else Note(directory, "not translated: an expansion Init does not know");
        }
        string chpst = values.Take("user") is { } user && values.Literal(user.Value) is { } account ? $"chpst -u {Shell.Quote(account)} " : "";
        run.Append("exec ").Append(chpst).Append(variables ? "\"$@\"" : string.Join(' ', words.Select(w => w.Render()))).Append('\n');
        draft.Script("run", run.ToString());

        if (values.Take("autostart") is { } autostart)
        {
            if (Boolean(autostart.Value) == false) draft.Add("down", "");
            else if (Boolean(autostart.Value) is null) Note(autostart, "not translated: not true or false");
        }
        Restarts(draft, values, Note);
        if (values.Take("stopsignal") is { } signal)
        {
            if (ServicePolicy.ParseSignal(signal.Value.ToUpperInvariant()) is { } signo) { if (signo != 15) draft.Add(ServicePolicy.DownSignalFile, signal.Value.ToUpperInvariant() + "\n"); }
            else Note(signal, "not translated: not a signal name");
        }
        long stopMs = 10_000;   // supervisord's default stopwaitsecs
        if (values.Take("stopwaitsecs") is { } wait)
        {
            if (int.TryParse(wait.Value, NumberStyles.None, CultureInfo.InvariantCulture, out int seconds)) stopMs = seconds * 1000L;
            else Note(wait, "not translated: not a number of seconds");
        }
        if (stopMs > 0) draft.Add(ServicePolicy.TimeoutKillFile, Math.Min(stopMs, ServicePolicy.MaxMs).ToString(CultureInfo.InvariantCulture) + "\n");

        foreach (var entry in values.Rest.ToList()) NoteKey(entry, Note);
        return true;
    }

    private static bool? Boolean(string text) => text.Trim().ToLowerInvariant() switch
    {
        "true" or "yes" or "on" or "1" => true,
        "false" or "no" or "off" or "0" => false,
        _ => null,
    };

    /// <summary>autorestart and exitcodes as restart-policy; startsecs and startretries as a backoff and a restart limit.</summary>
    private static void Restarts(ServiceDraft draft, Values values, Action<SupervisordConfig.Entry, string> note)
    {
        var expected = new List<int> { 0 };
        if (values.Take("exitcodes") is { } codes)
        {
            var parsed = codes.Value.Split(',', StringSplitOptions.TrimEntries).Select(c => int.TryParse(c, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n <= 255 ? n : -1).ToList();
            if (parsed.Contains(-1)) note(codes, "not translated: not exit codes (0-255, comma-separated)");
            else expected = parsed;
        }
        string autorestart = values.Take("autorestart")?.Value.Trim().ToLowerInvariant() ?? "unexpected";
        RestartPolicy? policy = autorestart switch
        {
            "true" => null,
            "false" => RestartPolicy.Runit with { When = RestartWhen.Never },
            // "unexpected": restarted unless it exited with one of exitcodes; every death by a signal is unexpected.
            _ => RestartPolicy.Runit with
            {
                When = RestartWhen.OnFailure,
                Success = expected.Where(c => c != 0).ToArray(),
                Force = expected.Contains(0) ? [-1, -2, -13, -15] : [0, -1, -2, -13, -15],
            },
        };
        if (autorestart is not ("true" or "false" or "unexpected")) note(values.Take("autorestart")!, "not translated: not true, false or unexpected");
        if (policy is not null) draft.Add(RestartPolicy.File, policy + "\n");

        int startSecs = 1, retries = 3;
        if (values.Take("startsecs") is { } secs && !int.TryParse(secs.Value, NumberStyles.None, CultureInfo.InvariantCulture, out startSecs)) { note(secs, "not translated: not a number of seconds"); startSecs = 1; }
        if (values.Take("startretries") is { } tries && !int.TryParse(tries.Value, NumberStyles.None, CultureInfo.InvariantCulture, out retries)) { note(tries, "not translated: not a count"); retries = 3; }
        if (startSecs == 0) return;
        // supervisord waits 1, 2, 3 … s between failed starts and gives up after startretries; here
        // the delay doubles, and so many deaths within the time those tries take make it failed.
        long windowMs = ((retries + 1L) * startSecs + (retries + 1L) * (retries + 2) / 2) * 1000;
        draft.Add(ServicePolicy.BackoffFile, $"1000 {Math.Max(1, retries) * 1000L} {startSecs * 1000L}\n");
        draft.RestartLimit(Math.Clamp(retries + 1, 1, ServicePolicy.MaxDeathTally), windowMs);
        draft.Note($"{draft.Name}: startsecs={startSecs}, startretries={retries}: approximated: restart-backoff doubling from 1 s, and failed after {retries + 1} deaths within {windowMs / 1000} s");
    }

    /// <summary>stdout_logfile and redirect_stderr: svlogd in log/run for a file, the service's log for AUTO, nothing for NONE.</summary>
    private static void Streams(ServiceDraft draft, Values values, StringBuilder run, string name)
    {
        var redirect = values.Take("redirect_stderr");
        var stdout = values.Take("stdout_logfile");
        var stderr = values.Take("stderr_logfile");
        string? logFile = stdout is null ? null : values.Literal(stdout.Value);
        bool joined = redirect is not null && Boolean(redirect.Value) == true;
        string? errorFile = stderr is null ? null : values.Literal(stderr.Value);
        // stderr first while stdout is still the log, unless it is to follow stdout wherever that goes.
        if (!joined) Stderr(draft, run, stderr, errorFile);
        if (logFile is "NONE" or "/dev/null") run.Append("exec >/dev/null\n");
        else if (logFile is not null and not "AUTO")
        {
            string directory = logFile.EndsWith(".log", StringComparison.Ordinal) ? logFile[..^4] : logFile + ".d";
            long size = Bytes(values.Take("stdout_logfile_maxbytes")?.Value) ?? 50L << 20;
            string count = values.Take("stdout_logfile_backups")?.Value is { } backups && backups.All(char.IsAsciiDigit) && backups.Length > 0 ? backups : "10";
            draft.Script("log/run", "#!/bin/sh\n" +
                $"# The log of {name}: stdout_logfile {logFile}, as svlogd's directory {directory} (current, rotated at {size} bytes, {count} kept).\n" +
                $"mkdir -p {Shell.Quote(directory)} || exit 1\n" +
                $"printf 's{(size == 0 ? 0 : Math.Max(4096, size))}\\nn{Math.Max(1, int.Parse(count, CultureInfo.InvariantCulture))}\\n' >{Shell.Quote(directory + "/config")}\n" +
                $"exec svlogd -tt {Shell.Quote(directory)}\n");
            draft.Note($"{stdout!.Source}:{stdout.Line}: {stdout}: approximated: the lines go to svlogd's {directory}/current, rotated there", stdout.Line);
        }
        else if (stdout is not null && logFile is null) draft.Note($"{stdout.Source}:{stdout.Line}: {stdout}: not translated: an expansion Init does not know", stdout.Line);

        if (joined) run.Append("exec 2>&1\n");
        else if (stderr is null && redirect is null)
            draft.Note($"{name}: redirect_stderr=false (the default): approximated: stderr goes to the service's log with stdout's lines");
    }

    /// <summary>stderr of a program whose stderr is not redirected to stdout: the service's log (AUTO), nothing (NONE), or a file.</summary>
    private static void Stderr(ServiceDraft draft, StringBuilder run, SupervisordConfig.Entry? stderr, string? errorFile)
    {
        if (errorFile is null or "AUTO") run.Append("exec 2>&1\n");
        else if (errorFile is "NONE" or "/dev/null") run.Append("exec 2>/dev/null\n");
        else
        {
            run.Append($"exec 2>>{Shell.Quote(errorFile)}\n");
            draft.Note($"{stderr!.Source}:{stderr.Line}: {stderr}: approximated: appended to, never rotated", stderr.Line);
        }
    }

    /// <summary>supervisord's sizes (<c>50MB</c>, <c>1KB</c>, bytes); 0 is no limit, as svlogd's <c>s0</c> (never rotated by size).</summary>
    private static long? Bytes(string? text)
    {
        if (text is null) return null;
        text = text.Trim().ToUpperInvariant();
        long scale = text.EndsWith("KB", StringComparison.Ordinal) ? 1L << 10 : text.EndsWith("MB", StringComparison.Ordinal) ? 1L << 20 : text.EndsWith("GB", StringComparison.Ordinal) ? 1L << 30 : 1;
        string digits = scale == 1 ? text : text[..^2];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n >= 0 && n < int.MaxValue / scale ? n * scale : null;
    }

    private static readonly (string Key, string Reason)[] Reasons =
    [
        ("priority", "start order: name the services it needs in dependencies.d"),
        ("numprocs", "one process a service: make instances (a NAME@ template) for more"),
        ("numprocs_start", "one process a service"),
        ("process_name", "the service is named after the program"),
        ("stopasgroup", "Init stops every process of the service (its cgroup, where there is one)"),
        ("killasgroup", "Init stops every process of the service (its cgroup, where there is one)"),
        ("serverurl", "no supervisorctl: sv talks to the service's supervise/ directory"),
        ("stdout_syslog", "the lines go to the service's log"), ("stderr_syslog", "the lines go to the service's log"),
        ("stdout_events_enabled", "Init sends no supervisord events"), ("stderr_events_enabled", "Init sends no supervisord events"),
        ("stdout_capture_maxbytes", "Init sends no supervisord events"), ("stderr_capture_maxbytes", "Init sends no supervisord events"),
        ("stderr_logfile_maxbytes", "stderr is appended to, never rotated"), ("stderr_logfile_backups", "stderr is appended to, never rotated"),
    ];

    private static void NoteKey(SupervisordConfig.Entry entry, Action<SupervisordConfig.Entry, string> note)
    {
        if (entry.Key == "numprocs" && entry.Value.Trim() == "1") return;
        if (entry.Key == "process_name" && entry.Value.Trim() == "%(program_name)s") return;
        if (entry.Key is "stopasgroup" or "killasgroup" && Boolean(entry.Value) == false) return;
        note(entry, "not translated: " + (Reasons.FirstOrDefault(r => r.Key == entry.Key).Reason ?? "unknown to init import"));
    }

    /// <summary>supervisord's <c>environment=A="1",B="two, three"</c>: comma-separated, values optionally quoted.</summary>
    private static IEnumerable<(string Key, string Value)> Assignments(string text)
    {
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (char.IsWhiteSpace(text[i]) || text[i] == ',')) i++;
            int equals = text.IndexOf('=', i);
            if (equals < 0) yield break;
            string key = text[i..equals].Trim();
            i = equals + 1;
            var value = new StringBuilder();
            char quote = '\0';
            for (; i < text.Length; i++)
            {
                char c = text[i];
                if (quote != '\0') { if (c == quote) quote = '\0'; else value.Append(c); continue; }
                if (c is '"' or '\'') { quote = c; continue; }
                if (c == ',') break;
                value.Append(c);
            }
            yield return (key, value.ToString().Trim());
        }
    }

    /// <summary>Python's shlex.split (POSIX mode), which supervisord splits command with, over parts that may be variables.</summary>
    private static List<ShellWord>? ShellSplit(List<WordPart> parts, out string? error)
    {
        error = null;
        var words = new List<ShellWord>();
        var current = new List<WordPart>();
        var literal = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        void FlushLiteral() { if (literal.Length > 0) { current.Add(WordPart.Literal(literal.ToString())); literal.Clear(); } }
        void EndWord()
        {
            FlushLiteral();
            if (inWord) words.Add(new ShellWord(current.ToList()));
            current.Clear();
            inWord = false;
        }
        foreach (var part in parts)
        {
            if (part.Kind != WordPart.Kinds.Literal) { FlushLiteral(); current.Add(part); inWord = true; continue; }
            string text = part.Text;
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (quote == '\'') { if (c == '\'') quote = '\0'; else literal.Append(c); continue; }
                if (quote == '"')
                {
                    if (c == '"') quote = '\0';
                    else if (c == '\\' && i + 1 < text.Length && text[i + 1] is '"' or '\\') literal.Append(text[++i]);
                    else literal.Append(c);
                    continue;
                }
                if (char.IsWhiteSpace(c)) { EndWord(); continue; }
                inWord = true;
                if (c is '\'' or '"') quote = c;
                else if (c == '\\' && i + 1 < text.Length) literal.Append(text[++i]);
                else literal.Append(c);
            }
        }
        if (quote != '\0') { error = "an unclosed quote"; return null; }
        EndWord();
        return words;
    }
}
