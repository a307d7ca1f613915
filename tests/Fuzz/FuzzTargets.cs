using System.Text;
using Init.Configuration;
using Init.Control;
using Init.Import;
using Init.Logging;
using Init.Runtime;
using Init.Supervision;
using Init.Timeline;

namespace Init.Fuzz;

/// <summary>
/// Each parser and codec that takes outside input, as a target for afl-fuzz (the Fuzz program) and
/// for the corpus replay in the test suite: a target takes any bytes, must not throw, and checks
/// what the parser promises beyond that (round trips, bounds). A broken promise throws
/// <see cref="Broken"/>, which afl counts as a crash like any other exception.
/// </summary>
public static class FuzzTargets
{
    public static readonly IReadOnlyDictionary<string, Action<byte[]>> All = new SortedDictionary<string, Action<byte[]>>
    {
        ["status"] = Status,
        ["svlogd-config"] = bytes => LogConfig.Parse(bytes),
        ["pmatch"] = Pmatch,
        ["ini"] = bytes => IniFile.Parse(Text(bytes), "init.conf", _ => { }),
        ["cmdline"] = bytes => KernelCommandLine.Parse(Text(bytes), "init.").ToList(),
        ["numbers"] = Numbers,
        ["proc-stat"] = bytes => ProcStat.Parse(Text(bytes)),
        ["identity"] = Identity,
        ["readiness"] = ReadinessFile,
        ["policy"] = Policy,
        ["timeline"] = Timeline,
        ["sv-command"] = SvCommandWord,
        ["chpst-arguments"] = ChpstArguments,
        ["listen"] = Listen,
        ["sd-notify"] = SdNotify,
        ["systemd-unit"] = SystemdUnit,
        ["supervisord"] = Supervisord,
    };

    /// <summary>A promise the parser broke on this input.</summary>
    public sealed class Broken(string message) : Exception(message);

    private static void Require(bool kept, string promise)
    {
        if (!kept) throw new Broken(promise);
    }

    private static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>The record read from any 20 bytes writes back to bytes that read as the same record.</summary>
    private static void Status(byte[] bytes)
    {
        if (StatusRecord.TryRead(bytes, out var record))
            Require(StatusRecord.TryRead(record.ToBytes(), out var back) && back == record, "a status record reads back as written");
        _ = record.StatText(false);
    }

    /// <summary>PATTERN\nLINE: a pattern without svlogd's wildcards matches only itself.</summary>
    private static void Pmatch(byte[] bytes)
    {
        int split = Array.IndexOf(bytes, (byte)'\n');
        var pattern = split < 0 ? bytes : bytes[..split];
        var line = split < 0 ? [] : bytes[(split + 1)..];
        bool matched = Logging.Pmatch.Match(pattern, line);
        if (!pattern.Contains((byte)'*') && !pattern.Contains((byte)'+'))
            Require(matched == pattern.AsSpan().SequenceEqual(line), "a literal pattern matches only itself");
    }

    private static void Numbers(byte[] bytes)
    {
        string text = Text(bytes);
        ulong scanned = Digits.Scan(text);
        if (Digits.TryScanAll(text, out ulong all)) Require(all == scanned, "a whole number reads as its scan");
    }

    private static void Identity(byte[] bytes)
    {
        if (ProcessIdentity.Parse(Text(bytes)) is { } identity)
            Require(ProcessIdentity.Parse(identity.ToString()) == identity, "an identity reads back as written");
    }

    /// <summary>A state only from a whole first line "STATE PID"; what is read writes back to the same record.</summary>
    private static void ReadinessFile(byte[] bytes)
    {
        var read = ReadinessRecord.Parse(Text(bytes));
        Require(read.State == Readiness.None || read.Status is null || !read.Status.Contains('\n'), "one line of status");
        if (read.State != Readiness.None) Require(ReadinessRecord.Parse(read.Format()) == read, "a readiness record reads back as written");
    }

    private static void Policy(byte[] bytes)
    {
        string text = Text(bytes);
        ServicePolicy.ParseBackoff(text);
        ServicePolicy.ParseRestartLimit(text);
        ServicePolicy.ParseSignal(text);
        if (ServicePolicy.ParseMs(text) is { } ms) Require(ms is >= 0 and <= ServicePolicy.MaxMs, "milliseconds within their bound");
    }

    /// <summary>Any text parses; each bad line is named by its number and shown without control characters.</summary>
    private static void Timeline(byte[] bytes)
    {
        string text = Text(bytes);
        var problems = new List<string>();
        ServiceTimeline.Parse(text, problems);
        StageTimeline.Parse(text, problems);
        Require(problems.All(p => p.StartsWith("line ", StringComparison.Ordinal) && !p.Any(char.IsControl)), "bad lines named by number, printable");
    }

    /// <summary>The first byte picks sv's -v and the LSB names; the rest is the command word.</summary>
    private static void SvCommandWord(byte[] bytes)
    {
        if (bytes.Length == 0) return;
        SvCommand.Parse(Text(bytes[1..]), (bytes[0] & 1) != 0, (bytes[0] & 2) != 0);
    }

    /// <summary>
    /// NUL-separated words through the option reader every applet uses, with chpst's option string,
    /// and each option's value through the number reader chpst gives it: options end inside the words.
    /// </summary>
    private static void ChpstArguments(byte[] bytes)
    {
        string[] args = Text(bytes).Split('\0');
        var getopt = new Getopt("chpst", args, "u:U:b:e:m:d:o:p:f:c:r:t:/:C:n:l:L:vP012V");
        int c, options = 0;
        while ((c = getopt.Next()) != -1)
        {
            Require(++options <= bytes.Length + 1, "each option takes at least one byte");
            if (c is 'm' or 'd' or 'o' or 'p' or 'f' or 'c' or 'r' or 't' or 'n') Digits.TryScanAll(getopt.Argument.TrimStart('-', '+'), out _);
        }
        Require(getopt.Index <= args.Length, "the options end inside the arguments");
    }

    /// <summary>Each line that is not blank or a comment gives a socket or one warning; bytes that are not text give one warning.</summary>
    private static void Listen(byte[] bytes)
    {
        var warnings = new List<string>();
        var declared = ListenFile.Parse(bytes, warnings.Add);
        if (warnings.Count == 1 && warnings[0] == "listen: not text: ignored") { Require(declared.Count == 0, "no socket from bytes that are not text"); return; }
        int lines = Text(bytes).Split('\n').Count(l => l.Trim(' ', '\t', '\r') is { Length: > 0 } t && !t.StartsWith('#'));
        Require(declared.Count + warnings.Count == lines, "a socket or a warning per line");
    }

    /// <summary>STATUS= text is bounded and printable, whatever the datagram held.</summary>
    private static void SdNotify(byte[] bytes)
    {
        foreach (var a in NotifyMessage.Parse(bytes))
            if (a.Kind == NotifyKind.Status)
                Require(a.Text.Length <= NotifyMessage.MaxStatusLength && !a.Text.Any(char.IsControl), "STATUS= bounded and printable");
    }

    /// <summary>A unit is converted (with a run or up script) or refused with a reason, never both, never neither.</summary>
    private static void SystemdUnit(byte[] bytes)
    {
        var draft = UnitImport.Convert(Text(bytes), "x.service", "x.service", "x", out string? error);
        Require(draft is null ? error is not null : error is null && (draft.Files.ContainsKey("run") || draft.Files.ContainsKey("up")), "converted or refused with a reason");
    }

    private static void Supervisord(byte[] bytes)
    {
        var drafts = SupervisordImport.Convert(Text(bytes), "/nonexistent/supervisord.conf", null, out string? error);
        Require((drafts is null) != (error is null), "converted or refused with a reason");
    }
}
