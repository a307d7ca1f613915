namespace Init.Tests.Support;

/// <summary>
/// What a test needs from the machine beyond the published binary. A missing requirement skips
/// the test with the reason (<c>Assert.Ignore</c>: reported as skipped, never as failed); CI
/// installs everything (<c>.ci/setup</c>) and build.cake's Test target, with CI=true, counts a
/// skipped test as failed unless it is on its allow-list.
/// </summary>
public static class Requires
{
    /// <summary>Unpacked by .ci/setup from Debian's prometheus package (the server is never installed).</summary>
    public const string Promtool = "/opt/prometheus/usr/bin/promtool";

    /// <summary>Programs from outside the repository, by the Debian package that installs them.</summary>
    private static readonly Dictionary<string, string> Packages = new()
    {
        ["/usr/bin/runsv"] = "runit", ["/usr/bin/sv"] = "runit", ["/usr/bin/runsvdir"] = "runit",
        ["/usr/bin/svlogd"] = "runit", ["/usr/bin/chpst"] = "runit",
        ["/usr/sbin/runsvchdir"] = "runit", ["/usr/sbin/utmpset"] = "runit",
        ["/usr/bin/tini"] = "tini", ["/usr/bin/dumb-init"] = "dumb-init",
        ["/usr/bin/unshare"] = "util-linux", ["unshare"] = "util-linux",
        ["/usr/bin/setpriv"] = "util-linux", ["/usr/bin/perl"] = "perl", ["/usr/bin/script"] = "bsdutils",
        ["qemu-system-x86_64"] = "qemu-system-x86",
        [Promtool] = "prometheus",
        ["/usr/bin/rsvg-convert"] = "librsvg2-bin", ["/usr/bin/mmdebstrap"] = "mmdebstrap",
        ["/usr/bin/lintian"] = "lintian", ["man"] = "man-db",
    };

    /// <summary>
    /// INIT_TESTS_WITHOUT=runit,tini,… makes the tests behave as if those packages were missing
    /// (and "root", "unshare", "qemu" those abilities): how the skips, and CI's refusal of them, are tried out.
    /// </summary>
    private static readonly HashSet<string> Pretend =
        [.. (Environment.GetEnvironmentVariable("INIT_TESTS_WITHOUT") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>Skips unless <paramref name="file"/> (one of the external programs above) is installed; other files pass.</summary>
    public static void Installed(string file)
    {
        if (!Packages.TryGetValue(file, out var package)) return;
        if (file == "unshare" || file.EndsWith("/unshare")) { PidNamespaces(); return; }
        if (!Exists(file) || Pretend.Contains(package)) Assert.Ignore($"{file} is not installed (apt-get install {package}; .ci/setup installs it)");
    }

    /// <summary>Skips unless the tests run as root (mounts, other users' credentials, PID namespaces).</summary>
    public static void Root(string why)
    {
        if (!IsUid0() || Pretend.Contains("root")) Assert.Ignore($"needs root: {why}");
    }

    /// <summary>Skips unless <c>unshare --fork --pid --mount-proc</c> can make a PID namespace here.</summary>
    public static void PidNamespaces()
    {
        if (!Exists("/usr/bin/unshare") || Pretend.Contains("util-linux")) Assert.Ignore("/usr/bin/unshare is not installed (apt-get install util-linux)");
        Root("unshare --pid needs CAP_SYS_ADMIN");
        if (Pretend.Contains("unshare") || !PidNamespaceWorks.Value) Assert.Ignore("unshare --fork --pid --mount-proc fails on this machine (no PID namespaces: a restricted container?)");
    }

    /// <summary>Skips unless QEMU and a kernel to boot are present (software emulation: no KVM needed).</summary>
    public static void Qemu()
    {
        if (!Exists("qemu-system-x86_64") || Pretend.Contains("qemu")) Assert.Ignore("qemu-system-x86_64 is not installed (apt-get install qemu-system-x86; .ci/setup installs it)");
        string? kernel = Environment.GetEnvironmentVariable("INIT_KERNEL");
        bool found = string.IsNullOrEmpty(kernel) ? Directory.Exists("/boot") && Directory.GetFiles("/boot", "vmlinuz-*").Length > 0 : File.Exists(kernel);
        if (!found) Assert.Ignore("no kernel to boot (/boot/vmlinuz-* or INIT_KERNEL; apt-get install linux-image-amd64, .ci/setup installs it)");
    }

    /// <summary>Skips unless a cgroup v2 hierarchy is mounted and our cgroup in it can have children (root, not read-only).</summary>
    public static void Cgroup2()
    {
        if (Pretend.Contains("cgroup2")) Assert.Ignore("pretending there is no cgroup v2 (INIT_TESTS_WITHOUT=cgroup2)");
        string? own = Init.Supervision.ServiceCgroups.OwnCgroupDirectory();
        if (own is null) Assert.Ignore("no cgroup v2 hierarchy is mounted (/proc/self/mountinfo has no cgroup2)");
        if (!CgroupWritable.Value) Assert.Ignore($"cgroup v2 at {own} is not writable here (a container without its own cgroup namespace, or not root)");
    }

    private static readonly Lazy<bool> CgroupWritable = new(() =>
    {
        string probe = Path.Combine(Init.Supervision.ServiceCgroups.OwnCgroupDirectory()!, $"init-tests-probe-{Environment.ProcessId}");
        try
        {
            Directory.CreateDirectory(probe);
            Directory.Delete(probe);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { return false; }
    });

    private static readonly Lazy<bool> PidNamespaceWorks = new(() =>
        // Through sh: Run.Command checks unshare with this very property.
        Run.Command("/bin/sh", ["-c", "exec /usr/bin/unshare --fork --pid --mount-proc /bin/true"], timeoutMs: 10_000, cancellable: false).ExitCode == 0);

    private static bool IsUid0() =>
        File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("Uid:"))?.Split('\t', StringSplitOptions.RemoveEmptyEntries) is [_, "0", ..];

    private static bool Exists(string file) =>
        file.Contains('/') ? File.Exists(file)
            : (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':').Any(d => File.Exists(Path.Combine(d, file)));
}
