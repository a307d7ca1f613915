using System.Globalization;
using System.Text;
using Init.Supervision;

namespace Init.Import;

/// <summary>The scripts of an imported unit: what each [Service] entry that runs, prepares or stops the daemon becomes in sh.</summary>
public sealed partial class UnitImport
{
    private int? _nice;
    private string? _root;

    /// <summary>The lines every script of the service starts with (<c>Environment</c>), and those only ./run (or up) has (<c>Setup</c>).</summary>
    private sealed record ScriptStart(string Environment, string Setup);

    /// <summary>
    /// What every script of the service starts with (User='s variables, Environment=,
    /// EnvironmentFile=, UnsetEnvironment=, UMask=, WorkingDirectory=), and what only ./run does
    /// first: SIGPIPE ignored (systemd's IgnoreSIGPIPE=yes, its default; every other signal has its
    /// default disposition, as Init gives it), conditions, directories, limits, the OOM score, streams.
    /// Nice= and RootDirectory= are kept for chpst.
    /// </summary>
    private ScriptStart BuildPreamble()
    {
        var env = new StringBuilder();
        var setup = new StringBuilder();
        if (_user is { } user)
        {
            // What systemd sets for a service with User=.
            env.Append($"USER={Shell.Quote(user)} LOGNAME={Shell.Quote(user)}\n");
            env.Append($"HOME=$(getent passwd {Shell.Quote(user)} | cut -d: -f6) SHELL=$(getent passwd {Shell.Quote(user)} | cut -d: -f7)\n");
            env.Append("export USER LOGNAME HOME SHELL\n");
        }
        foreach (var entry in TakeList("Service", "Environment"))
            foreach (var (name, value) in Assignments(entry))
                env.Append($"export {name}={Shell.Quote(value)}\n");
        foreach (var entry in TakeList("Service", "EnvironmentFile"))
        {
            bool optional = entry.Value.StartsWith('-');
            if (Expanded(entry, optional ? entry.Value[1..] : entry.Value) is not { } file) continue;
            string quoted = file.Render();
            // Read as sh reads it (as Debian's init scripts read /etc/default), every variable exported.
            env.Append(optional
                ? $"if [ -r {quoted} ]; then set -a; . {quoted}; set +a; fi\n"
                : $"[ -r {quoted} ] || {{ echo {Shell.Quote(_draft.Name + ": EnvironmentFile " + file + ": not readable")}; exit 1; }}\nset -a; . {quoted}; set +a\n");
        }
        foreach (var entry in TakeList("Service", "UnsetEnvironment"))
            foreach (string name in Words(entry.Value))
                if (Shell.IsName(name)) env.Append($"unset {name}\n");
                else Skip(entry, $"{name}: only variable names are unset here");
        if (Take("Service", "PassEnvironment") is { } pass)
            Approximate(pass, "a service gets the supervisor's whole environment, not only these");
        if (Take("Service", "UMask") is { } umask)
        {
            if (ServiceDraft.IsUmask(umask.Value)) env.Append($"umask {umask.Value}\n");
            else Skip(umask, "not an octal mode");
        }
        if (Take("Service", "WorkingDirectory") is { } cwd)
        {
            bool optional = cwd.Value.StartsWith('-');
            string path = optional ? cwd.Value[1..] : cwd.Value;
            string target = path == "~" ? "\"$HOME\"" : Expanded(cwd, path) is { } expanded ? expanded.Render() : "";
            if (target.Length > 0)
                env.Append(optional ? $"cd {target} 2>/dev/null || :\n" : $"cd {target} || exit 1\n");
        }
        if (Take("Service", "RootDirectory") is { } root) _root = Expanded(root, root.Value)?.Render();
        if (Take("Service", "Nice") is { } nice)
        {
            if (int.TryParse(nice.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) && n is >= -20 and <= 19) _nice = n;
            else Skip(nice, "not a nice value from -20 to 19");
        }

        if (SystemdValues.Boolean(Value("Service", "IgnoreSIGPIPE") ?? "yes") != false) setup.Append("trap '' PIPE\n");
        Conditions(setup);
        Directories(setup);
        ProcessLimits(setup);
        if (Take("Service", "OOMScoreAdjust") is { } oom)
        {
            if (int.TryParse(oom.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int score) && score is >= -1000 and <= 1000)
                setup.Append($"echo {score} >/proc/self/oom_score_adj\n");
            else Skip(oom, "not a score from -1000 to 1000");
        }
        Streams(setup);
        return new ScriptStart(env.ToString(), setup.ToString());
    }

    /// <summary>The assignments of an Environment= line: <c>A=1 "B=two words"</c>, quoted as systemd quotes them.</summary>
    private IEnumerable<(string Name, string Value)> Assignments(UnitEntry entry)
    {
        if (ExecCommand.Parse(":" + entry.Value, Specifier, out string? why) is not { } words)
        {
            Skip(entry, why ?? "not assignments");
            yield break;
        }
        foreach (var word in words.Words)
        {
            string text = word.LiteralText ?? word.ToString();
            int equals = text.IndexOf('=');
            if (equals > 0 && Shell.IsName(text.AsSpan(0, equals))) yield return (text[..equals], text[(equals + 1)..]);
            else _draft.Note($"{Where(entry)}: {text}: not translated: not NAME=VALUE", entry.Line);
        }
    }

    private static readonly (string Key, string Test, string What)[] PathConditions =
    [
        ("PathExists", "-e", "exists"), ("PathIsDirectory", "-d", "is a directory"), ("PathIsSymbolicLink", "-L", "is a symlink"),
        ("FileNotEmpty", "-s", "is not empty"), ("FileIsExecutable", "-x", "is executable"), ("PathIsReadWrite", "-w", "is writable"),
    ];

    /// <summary>
    /// Condition…= and Assert…= on paths as tests before anything starts. An unmet condition is no
    /// failure in systemd: the service is simply not started. Here it asks its own supervisor for
    /// down (the supervisor then stops it: no restart loop); an unmet assertion is a failed start.
    /// </summary>
    private void Conditions(StringBuilder setup)
    {
        var conditions = new List<(string Test, bool Trigger, UnitEntry Entry)>();
        var asserts = new List<(string Test, UnitEntry Entry)>();
        foreach (var entry in _unit.Entries.Where(e => e.Section == "Unit" && (e.Key.StartsWith("Condition", StringComparison.Ordinal) || e.Key.StartsWith("Assert", StringComparison.Ordinal))).ToList())
        {
            bool assert = entry.Key.StartsWith("Assert", StringComparison.Ordinal);
            string kind = entry.Key[(assert ? 6 : 9)..];
            var known = PathConditions.FirstOrDefault(c => c.Key == kind);
            if (known.Key is null) { Skip(entry, "only conditions on paths are translated"); continue; }
            string value = entry.Value;
            bool trigger = value.StartsWith('|');
            if (trigger) value = value[1..];
            bool negated = value.StartsWith('!');
            if (negated) value = value[1..];
            if (Expanded(entry, value) is not { } path) continue;
            _done.Add(entry);
            string test = (negated ? "! " : "") + $"[ {known.Test} {path.Render()} ]";
            if (assert) asserts.Add((test, entry));
            else conditions.Add((test, trigger, entry));
        }
        if (conditions.Count > 0)
        {
            setup.Append(SuperviseFunction);
            setup.Append("unmet() {\n");
            setup.Append($"  echo \"{_draft.Name}: $1: not met: not started\"\n");
            setup.Append("  printf d >\"$(supervise)/control\"   # down, as systemd leaves a unit whose condition fails\n");
            setup.Append("  exec sleep 2147483647\n}\n");
            foreach (var (test, _, entry) in conditions.Where(c => !c.Trigger))
                setup.Append($"{test} || unmet {Shell.Quote(entry.ToString())}\n");
            var triggers = conditions.Where(c => c.Trigger).ToList();
            if (triggers.Count > 0)
                setup.Append($"{{ {string.Join(" || ", triggers.Select(t => t.Test))}; }} || unmet {Shell.Quote(string.Join(" or ", triggers.Select(t => t.Entry.ToString())))}\n");
        }
        foreach (var (test, entry) in asserts)
            setup.Append($"{test} || {{ echo {Shell.Quote($"{_draft.Name}: {entry}: failed")}; exit 1; }}\n");
    }

    /// <summary>
    /// sh that names this service's supervise directory: an instance that is a link to its template
    /// keeps its state in <c>supervise@INSTANCE</c> (<see cref="ServiceInstance"/>), any other in <c>supervise</c>.
    /// </summary>
    private const string SuperviseFunction =
        "supervise() { if [ -n \"${INSTANCE:-}\" ] && [ -d \"supervise@$INSTANCE\" ]; then echo \"supervise@$INSTANCE\"; else echo supervise; fi; }\n";

    private static readonly (string Key, string Base, bool Owned)[] ServiceDirectories =
    [
        ("RuntimeDirectory", "/run", true), ("StateDirectory", "/var/lib", true), ("CacheDirectory", "/var/cache", true),
        ("LogsDirectory", "/var/log", true), ("ConfigurationDirectory", "/etc", false),
    ];

    /// <summary>RuntimeDirectory= and its kin: made (with their mode, owned by the service's user) before the daemon starts.</summary>
    private void Directories(StringBuilder setup)
    {
        foreach (var (key, root, owned) in ServiceDirectories)
        {
            string mode = Value("Service", key + "Mode") ?? "0755";
            if (!mode.All(c => c is >= '0' and <= '7')) { Skip(Take("Service", key + "Mode")!, "not an octal mode"); mode = "0755"; }
            foreach (var entry in TakeList("Service", key))
                foreach (string name in Words(entry.Value))
                {
                    if (Expanded(entry, name) is not { } relative) continue;
                    string text = relative.ToString();
                    if (text.StartsWith('/') || text.Split('/').Contains("..")) { Skip(entry, $"{name}: must be a relative path below {root}"); continue; }
                    string owner = owned && (_user ?? _group) is not null ? $" -o {Shell.Quote(_user ?? "root")} -g {Shell.Quote(_group ?? _user ?? "root")}" : "";
                    setup.Append($"install -d -m {mode}{owner} {new ShellWord([WordPart.Literal(root + "/"), .. relative.Parts]).Render()}\n");
                }
        }
        if (Take("Service", "RuntimeDirectoryPreserve") is { } preserve && preserve.Value != "yes")
            Approximate(preserve, "the runtime directory is kept when the service stops (as RuntimeDirectoryPreserve=yes)");
    }

    /// <summary>systemd's resource limits (LimitNOFILE= …) as prlimit sets them on the script itself, for the daemon it execs to inherit.</summary>
    private static readonly (string Key, string Option, bool Bytes)[] ResourceLimits =
    [
        ("LimitCPU", "cpu", false), ("LimitFSIZE", "fsize", true), ("LimitDATA", "data", true), ("LimitSTACK", "stack", true),
        ("LimitCORE", "core", true), ("LimitRSS", "rss", true), ("LimitNOFILE", "nofile", false), ("LimitAS", "as", true),
        ("LimitNPROC", "nproc", false), ("LimitMEMLOCK", "memlock", true), ("LimitLOCKS", "locks", false),
        ("LimitSIGPENDING", "sigpending", false), ("LimitMSGQUEUE", "msgqueue", true), ("LimitNICE", "nice", false),
        ("LimitRTPRIO", "rtprio", false), ("LimitRTTIME", "rttime", false),
    ];

    private void ProcessLimits(StringBuilder setup)
    {
        var options = new List<string>();
        foreach (var (key, option, bytes) in ResourceLimits)
        {
            if (Take("Service", key) is not { } entry) continue;
            string[] sides = entry.Value.Split(':');
            var values = sides.Select(side => LimitValue(side, bytes, option)).ToArray();
            if (sides.Length > 2 || values.Any(v => v is null)) { Skip(entry, "not a limit (a number, with K, M, G for sizes, or infinity)"); continue; }
            options.Add($"--{option}={values[0]}:{values[^1]}");
        }
        if (options.Count > 0) setup.Append($"prlimit --pid $$ {string.Join(' ', options)}\n");
    }

    private static string? LimitValue(string text, bool bytes, string option)
    {
        text = text.Trim();
        if (text == "infinity") return option == "nofile" ? "$(cat /proc/sys/fs/nr_open)" : "unlimited";
        if (bytes && SystemdValues.CgroupBytes(text) is { } size && size != "max")
        {
            long scale = size[^1] switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, 'T' => 1L << 40, _ => 1 };
            string digits = scale == 1 ? size : size[..^1];
            return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n <= long.MaxValue / scale ? (n * scale).ToString(CultureInfo.InvariantCulture) : null;
        }
        if (!bytes && option is "cpu" or "rttime" && SystemdValues.TimeSpanMs(text) is { } ms and >= 0)
            return option == "cpu" ? ((ms + 999) / 1000).ToString(CultureInfo.InvariantCulture) : (ms * 1000).ToString(CultureInfo.InvariantCulture);
        return text.Length > 0 && text.All(char.IsAsciiDigit) ? text : null;
    }

    /// <summary>StandardOutput= and StandardError=: the service's log (its log/ service, or Init's default log) unless they say a file or nothing.</summary>
    private void Streams(StringBuilder setup)
    {
        string? Redirect(UnitEntry? entry, string fd)
        {
            if (entry is null) return null;
            string value = entry.Value;
            if (value is "journal" or "syslog" or "kmsg" or "journal+console" or "syslog+console" or "kmsg+console" or "inherit") return null;
            if (value == "null") return $"exec {fd}>/dev/null\n";
            if (value == "console") return $"exec {fd}>/dev/console\n";
            foreach (var (prefix, op) in new[] { ("file:", "<>"), ("append:", ">>"), ("truncate:", ">") })
                if (value.StartsWith(prefix, StringComparison.Ordinal) && Expanded(entry, value[prefix.Length..]) is { } path)
                    return $"exec {fd}{op}{path.Render()}\n";
            Skip(entry, "only the log, null, console and files are translated");
            return "";
        }
        var output = Take("Service", "StandardOutput");
        var error = Take("Service", "StandardError");
        string? toOutput = Redirect(output, "1");
        string? toError = Redirect(error, "2");
        // Without StandardError= (or with inherit), stderr goes where stdout goes: runit's `exec 2>&1`.
        if (error is null || error.Value == "inherit") setup.Append(toOutput ?? "").Append("exec 2>&1\n");
        else setup.Append(toError ?? "").Append(toOutput ?? "");
        if (Take("Service", "StandardInput") is { } input && input.Value != "null")
            Skip(input, "a service's stdin is /dev/null, as runsvdir gives it");
    }

    private string Header(string what)
    {
        var text = new StringBuilder("#!/bin/sh\n");
        if (Value("Unit", "Description") is { } description) text.Append($"# {_draft.Name}: {description}\n");
        text.Append($"# {what}\n# Made by `init import` from {_source}.\n");
        foreach (var doc in TakeList("Unit", "Documentation")) text.Append($"# see {doc.Value}\n");
        if (_splits) text.Append("set -f   # $VAR words split at whitespace, as systemd splits them, and never globbed\n");
        return text.ToString();
    }

    private ScriptStart? _preamble;
    private ScriptStart Preamble() => _preamble ??= BuildPreamble();

    /// <summary>./run of a longrun: setup, ExecStartPre= in order, then exec of ExecStart= (or, for Type=forking, the wait for its daemon).</summary>
    private void Longrun(string type, ScriptStart preamble, List<ExecCommand> pre, ExecCommand start)
    {
        var run = new StringBuilder(Header("./run"));
        run.Append(preamble.Setup).Append(preamble.Environment);
        foreach (var command in pre) run.Append(Checked(command)).Append('\n');
        var pidFile = Take("Service", "PIDFile");
        if (type == "forking" && pidFile is not null && Expanded(pidFile, pidFile.Value) is { } pidPath)
            Forking(run, start, pidPath);
        else if (type == "forking")
            ForkingInCgroup(run, start);
        else
        {
            if (pidFile is not null) Approximate(pidFile, "not needed: ./run is the daemon");
            run.Append("exec ").Append(Line(start)).Append('\n');
        }
        _draft.Script("run", run.ToString());
    }

    /// <summary>
    /// Type=forking: the daemon puts itself in the background and names its pid in PIDFile=. ./run
    /// starts it, waits for the file, then stays as long as that process lives (a check a second),
    /// passing the stop and reload signals on; the daemon gone without being told to stop is a failure.
    /// </summary>
    private void Forking(StringBuilder run, ExecCommand start, ShellWord pidPath)
    {
        string file = pidPath.Render();
        run.Append($"rm -f {file}\n");
        run.Append(Checked(start)).Append('\n');
        run.Append("# Type=forking: wait for the daemon's PIDFile, then for the daemon.\n");
        run.Append($"tries=0\nwhile [ ! -s {file} ]; do\n");
        run.Append($"  tries=$((tries + 1)); [ $tries -le 100 ] || {{ echo {Shell.Quote($"{_draft.Name}: {pidPath}: not written 10 s after the start")}; exit 1; }}\n");
        run.Append("  sleep 0.1\ndone\n");
        run.Append($"pid=$(cat {file})\nstopping=\n");
        foreach (string signal in ForwardedSignals)
            run.Append(Stops(signal) ? $"trap 'stopping=1; kill -{signal} $pid' {signal}\n" : $"trap 'kill -{signal} $pid' {signal}\n");
        run.Append("while kill -0 \"$pid\" 2>/dev/null; do sleep 1 & wait $!; done\n");
        run.Append("[ -n \"$stopping\" ]   # gone on its own: a failure\n");
    }

    /// <summary>
    /// Type=forking without PIDFile=: the daemon is whatever else lives in ./run's cgroup (Init gives
    /// each ./run one of its own), as systemd guesses a main process from its cgroup. ./run stays
    /// while any such process lives, passing the stop and reload signals on to them all.
    /// </summary>
    private void ForkingInCgroup(StringBuilder run, ExecCommand start)
    {
        run.Append("# Type=forking without PIDFile=: the daemon is every other process of this cgroup.\n");
        run.Append("cgroup=$(awk '{ for (i = 7; i < NF; i++) if ($i == \"-\") { if ($(i + 1) == \"cgroup2\") { print $5; exit } break } }' /proc/self/mountinfo)$(sed -n 's/^0:://p' /proc/self/cgroup)\n");
        // Only the cgroup Init made for this ./run (…/services/NAME/run) holds nothing but the service:
        // in any other (a runsv per service, cgroups off) "every other process" would be strangers.
        run.Append($"case $cgroup in */services/*/run) [ -r \"$cgroup/cgroup.procs\" ] ;; *) false ;; esac || {{ echo {Shell.Quote($"{_draft.Name}: Type=forking without PIDFile= needs the cgroup Init gives each service (engine mode, cgroups on)")}; exit 1; }}\n");
        run.Append("sleeper=\n");
        run.Append("others() {   # the pids of the cgroup but this shell, its sleep, and the subshell that lists them\n");
        run.Append("  read -r self _ </proc/self/stat\n");
        run.Append("  while read -r p; do [ \"$p\" = $$ ] || [ \"$p\" = \"$self\" ] || [ \"$p\" = \"$sleeper\" ] || echo \"$p\"; done <\"$cgroup/cgroup.procs\"\n}\n");
        run.Append(Checked(start)).Append('\n');
        run.Append("stopping=\n");
        foreach (string signal in ForwardedSignals)
            run.Append(Stops(signal) ? $"trap 'stopping=1; kill -{signal} $(others) 2>/dev/null' {signal}\n" : $"trap 'kill -{signal} $(others) 2>/dev/null' {signal}\n");
        run.Append("while [ -n \"$(others)\" ]; do sleep 1 & sleeper=$!; wait $sleeper; done\n");
        run.Append("[ -n \"$stopping\" ]   # gone on its own: a failure\n");
    }

    private static readonly string[] ForwardedSignals = ["TERM", "INT", "QUIT", "HUP", "USR1", "USR2", "ALRM"];

    private static bool Stops(string signal) => signal is "TERM" or "INT" or "QUIT";

    /// <summary>Type=oneshot: s6-rc's <c>type</c>, with <c>up</c> running every ExecStart= in order, and <c>down</c> ExecStop= and ExecStopPost=.</summary>
    private void Oneshot(ScriptStart preamble, List<ExecCommand> pre, List<ExecCommand> starts, List<ExecCommand> stop, List<ExecCommand> stopPost)
    {
        _draft.Add(ServicePolicy.TypeFile, "oneshot\n");
        var up = new StringBuilder(Header("up (a oneshot's start)"));
        up.Append(preamble.Setup).Append(preamble.Environment);
        foreach (var command in pre.Concat(starts)) up.Append(Checked(command)).Append('\n');
        foreach (var command in Commands("ExecStartPost", out _)) up.Append(Checked(command)).Append('\n');
        up.Append("exit 0\n");
        _draft.Script("up", up.ToString());
        if (stop.Count + stopPost.Count > 0)
        {
            var down = new StringBuilder(Header("down (a oneshot's stop)"));
            down.Append("exec 2>&1\n").Append(preamble.Environment);
            foreach (var command in stop) down.Append(Checked(command, "status=1")).Append('\n');
            foreach (var command in stopPost) down.Append(Line(command)).Append(" || :\n");
            down.Append("exit ${status:-0}\n");
            _draft.Script("down", down.ToString());
        }
        var remain = Take("Service", "RemainAfterExit");
        if (remain is null || SystemdValues.Boolean(remain.Value) != true)
            _draft.Note($"{(remain is null ? _source : Where(remain))}: RemainAfterExit={(remain?.Value ?? "no")}: approximated: a oneshot stays up once its up has succeeded, until it is told down (RemainAfterExit=yes)");
    }

    /// <summary>control/t or control/h: the commands with $MAINPID, as systemd gives them; exit 0 tells the supervisor not to send the signal itself.</summary>
    private string ControlScript(string key, string what, ScriptStart preamble, List<ExecCommand> commands, bool handled)
    {
        var script = new StringBuilder(Header($"control/{(key == "ExecStop" ? 't' : 'h')}, the unit's {key}=: {what}"));
        script.Append("exec 2>&1\n").Append(SuperviseFunction).Append("MAINPID=$(cat \"$(supervise)/pid\" 2>/dev/null)\nexport MAINPID\n").Append(preamble.Environment);
        foreach (var command in commands)
            script.Append(command.IgnoresFailure ? Line(command) + " || :\n" : $"{Line(command)} || {{ echo {Shell.Quote($"{_draft.Name}: {key}: {command.Words[0]} failed")}; exit {(handled ? 0 : 1)}; }}\n");
        script.Append(handled ? "exit 0\n" : "exit 1\n");
        return script.ToString();
    }

    /// <summary>./finish for ExecStopPost=, with systemd's $EXIT_CODE and $EXIT_STATUS from runit's two arguments.</summary>
    private string FinishScript(ScriptStart preamble, List<ExecCommand> commands)
    {
        var script = new StringBuilder(Header("./finish: ExecStopPost= of the unit, after each exit of ./run"));
        script.Append("exec 2>&1\n");
        script.Append("if [ \"$1\" = -1 ]; then EXIT_CODE=killed EXIT_STATUS=$(($2 & 127)); else EXIT_CODE=exited EXIT_STATUS=$1; fi\n");
        script.Append("export EXIT_CODE EXIT_STATUS\n").Append(preamble.Environment);
        foreach (var command in commands) script.Append(Line(command)).Append(" || :\n");
        return script.ToString();
    }
}
