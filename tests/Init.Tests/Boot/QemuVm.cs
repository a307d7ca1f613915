using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Init.Tests.Support;

namespace Init.Tests.Boot;

/// <summary>
/// One QEMU boot of an image from images/build-initramfs.sh: the serial console is collected,
/// the monitor is a unix socket (for ctrl-alt-delete), and the VM is killed on dispose.
/// </summary>
public sealed class QemuVm : IDisposable
{
    private readonly Process _qemu;
    private readonly StringBuilder _console = new();
    private readonly string _monitor;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public static string ImageDirectory => Path.Combine(Binary.Directory, "..", "image");

    private static readonly object BuildLock = new();
    private static bool _built;

    /// <summary>Builds both image variants from the published binary, once per test run.</summary>
    public static void EnsureImages()
    {
        Requires.Qemu();
        lock (BuildLock)
        {
            if (_built) return;
            string script = Path.Combine(RepositoryRoot(), "images", "build-initramfs.sh");
            var r = Run.Command("bash", [script, Binary.Directory], timeoutMs: 120_000);
            if (r.ExitCode != 0) throw new InvalidOperationException("image build failed\n" + r);
            _built = true;
        }
    }

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Init.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("no Init.sln above " + AppContext.BaseDirectory);
    }

    public QemuVm(string variant, string kernelArguments, string init = "/sbin/init", int timeoutSeconds = 120)
    {
        EnsureImages();
        _monitor = Path.Combine(Path.GetTempPath(), $"init-qemu-{Guid.NewGuid():N}.sock");
        var info = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(RepositoryRoot(), "images", "boot.sh"));
        info.ArgumentList.Add(variant);
        foreach (var a in kernelArguments.Split(' ', StringSplitOptions.RemoveEmptyEntries)) info.ArgumentList.Add(a);
        info.Environment["QEMU_MONITOR"] = _monitor;
        info.Environment["QEMU_TIMEOUT"] = timeoutSeconds.ToString();
        info.Environment["INIT_PATH"] = init;
        _qemu = Process.Start(info) ?? throw new InvalidOperationException("cannot start qemu");
        _qemu.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_console) _console.Append(e.Data).Append('\n'); };
        _qemu.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_console) _console.Append(e.Data).Append('\n'); };
        _qemu.BeginOutputReadLine();
        _qemu.BeginErrorReadLine();
        _qemu.StandardInput.Close();
    }

    public string Console { get { lock (_console) return _console.ToString(); } }

    public double Seconds => _clock.Elapsed.TotalSeconds;

    /// <summary>Waits until the console shows <paramref name="text"/>; false on timeout or if QEMU ended first.</summary>
    public bool WaitFor(string text, int timeoutMs) =>
        Run.Until(() => Console.Contains(text, StringComparison.Ordinal) || _qemu.HasExited, timeoutMs) && Console.Contains(text, StringComparison.Ordinal);

    /// <summary>Waits for QEMU to end (poweroff, or a reboot with -no-reboot); returns its exit code or null on timeout.</summary>
    public int? WaitForExit(int timeoutMs) => Run.WaitForExit(_qemu, timeoutMs);

    public void SendMonitor(string command)
    {
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Connect(new UnixDomainSocketEndPoint(_monitor));
        socket.Send(Encoding.ASCII.GetBytes(command + "\n"));
        // The monitor greets with a "(qemu)" prompt and prints the next one once it has run the command.
        var answer = new StringBuilder();
        var buffer = new byte[4096];
        socket.ReceiveTimeout = 5000;
        Assert.That(Run.Until(() =>
        {
            int n = socket.Receive(buffer);
            answer.Append(Encoding.ASCII.GetString(buffer, 0, n));
            return n == 0 || answer.ToString().Split("(qemu)").Length > 2;
        }, 5000), Is.True, "the QEMU monitor never took the command: " + answer);
    }

    public void Dispose()
    {
        try { if (!_qemu.HasExited) _qemu.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        _qemu.WaitForExit(5000);
        _qemu.Dispose();
        try { File.Delete(_monitor); } catch (IOException) { }
    }
}
