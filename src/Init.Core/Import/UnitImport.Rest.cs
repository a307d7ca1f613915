namespace Init.Import;

/// <summary>What is left of a unit after the translation: each entry noted, with the reason it has no equivalent.</summary>
public sealed partial class UnitImport
{
    private const string Sandboxing = "sandboxing: Init starts a service without namespaces, seccomp filters or capability bounds";
    private const string Logging = "the service's lines go to its log (log/run, or Init's default log), unchanged";
    private const string Scheduling = "scheduling beyond Nice= is not set (use chrt, taskset or ionice in ./run)";

    /// <summary>Keys that need nothing under Init: what they ask for is what Init does anyway.</summary>
    private static readonly string[] Satisfied =
        ["CPUAccounting", "MemoryAccounting", "TasksAccounting", "IOAccounting", "BlockIOAccounting", "IPAccounting", "Description"];

    private static readonly string[] SandboxingPrefixes =
        ["Private", "Protect", "Restrict", "SystemCall", "Capability", "Inaccessible", "ReadOnly", "ReadWrite", "Bind", "IPAddress"];

    private static readonly (string Key, string Reason)[] Reasons =
    [
        ("AmbientCapabilities", Sandboxing), ("NoNewPrivileges", Sandboxing), ("ExecPaths", Sandboxing), ("NoExecPaths", Sandboxing),
        ("LockPersonality", Sandboxing), ("MemoryDenyWriteExecute", Sandboxing), ("SecureBits", Sandboxing), ("DevicePolicy", Sandboxing),
        ("DeviceAllow", Sandboxing), ("ProcSubset", Sandboxing), ("RemoveIPC", Sandboxing), ("KeyringMode", Sandboxing),
        ("TemporaryFileSystem", Sandboxing), ("MountFlags", Sandboxing), ("NetworkNamespacePath", Sandboxing), ("SELinuxContext", Sandboxing),
        ("AppArmorProfile", Sandboxing), ("SmackProcessLabel", Sandboxing), ("RootImage", Sandboxing), ("MountAPIVFS", Sandboxing),
        ("SyslogIdentifier", Logging), ("SyslogFacility", Logging), ("SyslogLevel", Logging), ("SyslogLevelPrefix", Logging),
        ("LogLevelMax", Logging), ("LogExtraFields", Logging), ("LogRateLimitIntervalSec", Logging), ("LogRateLimitBurst", Logging),
        ("LogNamespace", Logging),
        ("CPUSchedulingPolicy", Scheduling), ("CPUSchedulingPriority", Scheduling), ("CPUSchedulingResetOnFork", Scheduling),
        ("IOSchedulingClass", Scheduling), ("IOSchedulingPriority", Scheduling), ("CPUAffinity", Scheduling), ("NUMAPolicy", Scheduling),
        ("NUMAMask", Scheduling),
        ("KillMode", "Init stops every process of the service (its cgroup, where there is one), not only its main process"),
        ("SendSIGHUP", "no SIGHUP follows the down-signal"),
        ("FinalKillSignal", "the last signal is always SIGKILL"),
        ("RestartKillSignal", "a restart stops the service with its down-signal"),
        ("TimeoutAbortSec", "an aborted service gets SIGKILL after timeout-kill"),
        ("ExecStartPost", "no command runs after the start: put it where ./run is ready, or in a oneshot that depends on this service"),
        ("ExecCondition", "no command decides whether to start: test it at the top of ./run"),
        ("RemainAfterExit", "only a oneshot stays up without a process"),
        ("GuessMainPID", "./run is the main process"),
        ("NotifyAccess", "Init takes readiness from the service's own processes"),
        ("PermissionsStartOnly", "ExecStartPre= commands run as User= (prefix one with + to run it as root)"),
        ("PAMName", "no PAM session is opened"),
        ("TTYPath", "a service's terminal is not set"), ("TTYReset", "a service's terminal is not set"), ("TTYVHangup", "a service's terminal is not set"),
        ("Slice", "each service has a cgroup of its own below Init's"),
        ("Delegate", "the service's cgroup is not delegated"),
        ("OOMPolicy", "an OOM kill is reported, and the service restarted by its restart-policy"),
        ("FileDescriptorStoreMax", "Init keeps no descriptors for a service, beyond its listen sockets"),
        ("Sockets", "socket activation: hold the socket with a listen file"),
        ("StartupCPUWeight", "no weight for boot alone"), ("StartupIOWeight", "no weight for boot alone"),
        ("Personality", "the execution domain is not set"),
        ("DefaultDependencies", "Init adds no dependencies of its own"),
        ("Before", "an order for others: name this service in their dependencies.d"),
        ("Conflicts", "Init does not stop one service to start another"),
        ("PartOf", "a stop or restart of another service does not reach this one"),
        ("OnFailure", "nothing is started when the service fails"), ("OnSuccess", "nothing is started when the service succeeds"),
        ("StopWhenUnneeded", "a service stays up until told otherwise"),
        ("RefuseManualStart", "sv may always start it"), ("RefuseManualStop", "sv may always stop it"),
        ("AllowIsolate", "Init has no targets"), ("IgnoreOnIsolate", "Init has no targets"),
        ("JobTimeoutSec", "Init has no jobs"), ("JobRunningTimeoutSec", "Init has no jobs"),
        ("SuccessAction", "nothing is done when the service exits"), ("FailureAction", "nothing is done when the service exits"),
        ("CollectMode", "Init keeps a service's state until it is removed"),
        ("SourcePath", "a generated unit's source is not followed"),
    ];

    private void NoteTheRest()
    {
        foreach (var entry in _unit.Entries)
        {
            if (_done.Contains(entry)) continue;
            if (Array.IndexOf(Satisfied, entry.Key) >= 0) { _done.Add(entry); continue; }
            if (entry.Key == "KillMode" && entry.Value == "control-group") { _done.Add(entry); continue; }
            string reason = Reasons.FirstOrDefault(r => r.Key == entry.Key).Reason
                ?? (SandboxingPrefixes.Any(p => entry.Key.StartsWith(p, StringComparison.Ordinal)) ? Sandboxing
                : entry.Section is not ("Unit" or "Service" or "Install") ? $"a [{entry.Section}] section is not read"
                : "unknown to init import");
            Skip(entry, reason);
        }
    }
}
