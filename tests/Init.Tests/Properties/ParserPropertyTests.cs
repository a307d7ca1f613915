using System.Text;
using CsCheck;
using Init.Configuration;
using Init.Control;
using Init.Logging;
using Init.Runtime;
using Init.Supervision;
using Init.Tests.Support;

namespace Init.Tests.Properties;

/// <summary>
/// Every parser and codec that takes outside input, against generated input (CsCheck: random,
/// then shrunk to the smallest failing case): none throws on anything, and what is written reads
/// back the same. Bounded to seconds for CI; <c>CsCheck_Iter</c>/<c>CsCheck_Time</c> (CsCheck's own
/// variables) make a longer run.
/// </summary>
[TestFixture, Category("Fast"), Category("Properties"), Category("Reliability")]
public class ParserPropertyTests
{
    private const int Many = 5_000;

    /// <summary>Bytes biased towards what the parser looks for, so that the interesting paths are reached.</summary>
    private static Gen<byte[]> BytesOf(string alphabet, int max) =>
        Gen.Frequency((3, Gen.Char[alphabet].Select(c => (byte)c)), (1, Gen.Byte)).Array[0, max];

    private static Gen<string> TextOf(string alphabet, int max) => Gen.String[Gen.Char[alphabet], 0, max];

    [Test, MaxTime(20_000)]
    public void Lines_split_the_same_however_the_stream_is_cut_and_none_is_longer_than_the_bound()
    {
        // A stream biased to newlines and long runs, cut at random places.
        var gen = Gen.Select(BytesOf("\nab", 6000), Gen.Int[1, 5000].Array[0, 8], (bytes, cuts) => (bytes, cuts));
        gen.Sample(c =>
        {
            var lines = new List<string>();
            var splitter = new LineSplitter(line => lines.Add(Convert.ToHexString(line)));
            int at = 0;
            foreach (int cut in c.cuts.Order())
            {
                if (cut >= c.bytes.Length || cut < at) continue;
                splitter.Add(c.bytes.AsSpan(at, cut - at));
                at = cut;
            }
            splitter.Add(c.bytes.AsSpan(at));
            splitter.Flush();
            // The model: split at newlines, then each line cut into pieces of MaxLine (an empty last piece is no line).
            var expected = new List<string>();
            var text = c.bytes.AsSpan();
            while (!text.IsEmpty)
            {
                int newline = text.IndexOf((byte)'\n');
                var line = newline < 0 ? text : text[..newline];
                do
                {
                    expected.Add(Convert.ToHexString(line[..Math.Min(line.Length, LineSplitter.MaxLine)]));
                    line = line[Math.Min(line.Length, LineSplitter.MaxLine)..];
                } while (!line.IsEmpty);
                if (newline < 0) break;
                text = text[(newline + 1)..];
            }
            return lines.SequenceEqual(expected);
        }, iter: Many / 5);
        Reliability.Record("bad input", "service output without log/: random streams cut at random places", Many / 5, "the same lines as one split of the whole; none over 2,048 bytes");
    }

    [Test, MaxTime(20_000)]
    public void The_ring_holds_exactly_the_last_whole_lines_that_fit_in_its_bytes()
    {
        var gen = Gen.Select(Gen.Int[2, 300], BytesOf("xy", 120).Array[0, 60], (capacity, lines) => (capacity, lines));
        gen.Sample(c =>
        {
            var ring = new LineRing(c.capacity);
            var stream = new List<byte>();
            foreach (var raw in c.lines)
            {
                byte[] line = raw.Where(b => b != (byte)'\n').ToArray();
                ring.Add(line);
                // A line longer than the buffer keeps its end; each with its newline.
                stream.AddRange(line.Length > c.capacity - 1 ? line[^(c.capacity - 1)..] : line);
                stream.Add((byte)'\n');
            }
            byte[] all = [.. stream];
            // The model: the stream's last `capacity` bytes, less the first line when the byte before them was not a newline.
            byte[] window = all.Length <= c.capacity ? all : all[^c.capacity..];
            bool whole = all.Length <= c.capacity || all[^(c.capacity + 1)] == (byte)'\n';
            byte[] expected = whole ? window : window[(Array.IndexOf(window, (byte)'\n') + 1)..];
            return ring.Snapshot().AsSpan().SequenceEqual(expected);
        }, iter: Many);
        Reliability.Record("bad input", "sv log's ring: generated lines against a byte budget", Many, "exactly the last whole lines that fit; never more bytes than the budget");
    }

    [Test, MaxTime(20_000)]
    public void A_status_record_reads_back_as_written_and_any_20_bytes_decode_without_throwing()
    {
        var records = Gen.Select(Gen.Long[0, 4_000_000_000L], Gen.Int[0, 999_999_999], Gen.Int, Gen.Bool, Gen.Char["ud"], Gen.Bool, Gen.Int[0, 2],
            (s, ns, pid, paused, want, term, state) => new StatusRecord(Tai64N.FromUnix(s, ns), pid, paused, want, term, (RunState)state));
        records.Sample(r =>
        {
            Assert.That(StatusRecord.TryRead(r.ToBytes(), out var back), Is.True);
            return back == r;
        }, iter: Many);
        Gen.Byte.Array[0, 24].Sample(bytes => { StatusRecord.TryRead(bytes, out var r); _ = r.StatText(false); }, iter: Many);
        Reliability.Record("bad input", "supervise/status: generated records and random 0–24-byte files", Many * 2, "round trip exact; nothing throws");
    }

    [Test, MaxTime(20_000)]
    public void The_svlogd_config_parser_takes_any_bytes_and_reads_sizes_and_counts_back()
    {
        BytesOf("\nsnNt!uUp+-eE:.0123456789k m", 80).Sample(bytes => { LogConfig.Parse(bytes); }, iter: Many);
        Gen.Select(Gen.Int[4096, 1 << 30], Gen.Int[2, 999], (size, count) => (size, count)).Sample(c =>
        {
            var config = LogConfig.Parse(Encoding.ASCII.GetBytes($"s{c.size}\nn{c.count}\n"));
            return config.SizeMax == (ulong)c.size && config.NumMax == (ulong)c.count;
        }, iter: Many);
        Reliability.Record("bad input", "svlogd config: random bytes biased to its syntax, generated s/n lines", Many * 2, "values read back; nothing throws");
    }

    [Test, MaxTime(20_000)]
    public void Pmatch_takes_any_pattern_and_a_pattern_without_wildcards_matches_only_itself()
    {
        Gen.Select(BytesOf("*+ab ", 12), BytesOf("ab ", 16)).Sample((pattern, line) => { Pmatch.Match(pattern, line); }, iter: Many);
        Gen.Select(TextOf("ab ", 8), TextOf("ab ", 8)).Sample((pattern, line) =>
            Pmatch.Match(Encoding.ASCII.GetBytes(pattern), Encoding.ASCII.GetBytes(line)) == (pattern == line), iter: Many);
        Reliability.Record("bad input", "svlogd patterns (pmatch): random patterns and lines", Many * 2, "literal patterns match only themselves; nothing throws");
    }

    [Test, MaxTime(20_000)]
    public void The_ini_reader_takes_any_text_and_reads_generated_settings_back()
    {
        TextOf("[]=;#/ \"\r\nab\0\u00e9", 120).Sample(text => { IniFile.Parse(text, "f", _ => { }); }, iter: Many);
        var keys = TextOf("abcXYZ_", 10).Where(k => k.Length > 0);
        var values = TextOf("abc 12\"=", 12).Where(v => v.Trim() == v && !(v.Length >= 2 && v[0] == '"' && v[^1] == '"'));
        Gen.Select(keys, values).Array[1, 8].Sample(pairs =>
        {
            string text = string.Concat(pairs.Select(p => $"  {p.Item1} = {p.Item2}  \n"));
            var read = IniFile.Parse(text, "f", w => Assert.Fail(w));
            return read.Select(e => (e.Key, e.Value)).SequenceEqual(pairs);
        }, iter: Many / 5);
        Reliability.Record("bad input", "init.conf: random text incl. NUL and non-ASCII, generated key = value files", Many + Many / 5, "entries read back in order; nothing throws");
    }

    [Test, MaxTime(20_000)]
    public void Configuration_from_any_file_and_arguments_never_throws()
    {
        string file = Path.GetTempFileName();
        try
        {
            Gen.Select(TextOf("=\n[]ModeStopGraceSeconds 0123-auto\0", 80), TextOf("-=MoeRapIntervals 01x", 20).Array[0, 4]).Sample((text, args) =>
            {
                File.WriteAllText(file, text);
                InitConfiguration.Load(file, null, args, _ => { }, new Dictionary<string, string?>());
            }, iter: Many / 10);
        }
        finally { File.Delete(file); }
        Reliability.Record("bad input", "settings: random init.conf and --arguments together", Many / 10, "never throws");
    }

    [Test, MaxTime(20_000)]
    public void The_kernel_command_line_takes_any_text_and_reads_generated_words_back()
    {
        TextOf("init.=\" ab\t\n", 80).Sample(text => { KernelCommandLine.Parse(text, "init.").ToList(); }, iter: Many);
        Gen.Select(TextOf("abcK", 8).Where(k => k.Length > 0), TextOf("ab 1", 8)).Array[0, 6].Sample(pairs =>
        {
            string line = "BOOT_IMAGE=/vmlinuz " + string.Join(' ', pairs.Select(p => $"init.{p.Item1}=\"{p.Item2}\"")) + " quiet";
            return KernelCommandLine.Parse(line, "init.").SequenceEqual(pairs);
        }, iter: Many);
        Reliability.Record("bad input", "kernel command line: random text, generated init.K=\"V\" words", Many * 2, "words read back; nothing throws");
    }

    [Test, MaxTime(20_000)]
    public void Numbers_read_as_scan_ulong_does_and_any_text_is_safe()
    {
        Gen.ULong.Select(Gen.String[Gen.Char["x -+"], 0, 4]).Sample((n, tail) =>
        {
            string text = n.ToString() + tail;   // the tail has no digit: the number ends where it starts
            return Digits.Scan(text) == n && Digits.TryScanAll(text, out _) == (tail.Length == 0);
        }, iter: Many);
        Gen.String.Sample(text => { Digits.Scan(text); Digits.TryScanAll(text, out _); }, iter: Many);
        Reliability.Record("bad input", "numbers (scan_ulong): any 64-bit value with a tail, random strings", Many * 2, "value read back; nothing throws");
    }

    [Test, MaxTime(20_000)]
    public void A_proc_stat_line_reads_back_whatever_the_command_name_holds_and_any_text_is_safe()
    {
        // 52 fields as Linux writes them; the name may hold ") (", spaces and digits (a process may call itself anything).
        Gen.Select(Gen.Int[1, int.MaxValue], TextOf(") (x 0\n", 16), Gen.Char["RSDZTtXI"], Gen.Int[0, int.MaxValue], Gen.UInt, Gen.ULong, Gen.ULong).Sample(
            (pid, comm, state, ppid, flags, start, argStart) =>
            {
                var fields = Enumerable.Repeat("0", 50).ToArray();
                (fields[0], fields[1], fields[6], fields[19], fields[45], fields[46]) = (state.ToString(), ppid.ToString(), flags.ToString(), start.ToString(), argStart.ToString(), "7");
                return ProcStat.Parse($"{pid} ({comm}) {string.Join(' ', fields)}\n") == new ProcStat(pid, comm, state, ppid, flags, start, argStart, 7);
            }, iter: Many);
        TextOf("0123456789 ()SZ-\n", 80).Sample(text => { ProcStat.Parse(text); }, iter: Many);
        Reliability.Record("bad input", "/proc/PID/stat: generated lines with hostile command names, random text", Many * 2, "fields read back; nothing throws");
    }

    [Test, MaxTime(20_000)]
    public void Service_policy_values_read_back_and_any_text_is_refused_or_read_without_throwing()
    {
        Gen.Select(Gen.Long[1, ServicePolicy.MaxMs], Gen.Long[0, ServicePolicy.MaxMs], Gen.Long[0, ServicePolicy.MaxMs]).Sample((min, extra, reset) =>
        {
            long max = Math.Min(ServicePolicy.MaxMs, min + extra);
            return ServicePolicy.ParseBackoff($"{min}\t {max} {reset}") == new Backoff(min, max, reset)
                && ServicePolicy.ParseMs(min.ToString()) == min && ServicePolicy.ParseRestartLimit($"{Math.Min(min, ServicePolicy.MaxDeathTally)} {reset + 1}") is not null;
        }, iter: Many);
        TextOf("0123456789 \t-+SIGTERMhupoff\n", 40).Sample(text =>
        {
            ServicePolicy.ParseBackoff(text); ServicePolicy.ParseMs(text); ServicePolicy.ParseRestartLimit(text); ServicePolicy.ParseSignal(text);
        }, iter: Many);
        Reliability.Record("bad input", "service policy values (restart-backoff, timeouts, restart-limit, down-signal): generated and random text", Many * 2, "values read back; nothing throws");
    }

    [Test, MaxTime(20_000)]
    public void A_process_identity_line_reads_back_and_any_line_is_safe()
    {
        Gen.Select(Gen.Int[1, int.MaxValue], Gen.ULong, Gen.String[Gen.Char["0123456789abcdef-"], 1, 36]).Sample((pid, start, boot) =>
            ProcessIdentity.Parse(new ProcessIdentity(pid, start, boot).ToString()) == new ProcessIdentity(pid, start, boot), iter: Many);
        TextOf("0123456789 -\nab", 60).Sample(text => { ProcessIdentity.Parse(text); }, iter: Many);
        Reliability.Record("bad input", "supervise/identity: generated lines and random text", Many * 2, "round trip exact; nothing throws");
    }

    [Test, MaxTime(20_000)]
    public void A_timeline_file_reads_back_as_written_and_any_text_parses_with_its_bad_lines_named()
    {
        var ms = Gen.Long[0, 10_000_000_000L].Nullable();
        Gen.Select(Gen.String[Gen.Char["abc-@1"], 1, 8].Array[0, 4], ms, ms, ms, Gen.Select(ms, ms)).Sample((needs, waiting, start, ready, tail) =>
        {
            var written = new ServiceTimeline(needs, waiting, start, ready, tail.Item1, tail.Item2);
            var back = ServiceTimeline.Parse(written.Format(), []);
            return back with { Needs = written.Needs } == written && back.Needs.SequenceEqual(needs);
        }, iter: Many);
        TextOf("needs waiting start ready stop restart 0123456789.\n x-", 80).Sample(text =>
        {
            var problems = new List<string>();
            ServiceTimeline.Parse(text, problems);
            Init.Timeline.StageTimeline.Parse(text, problems);
            return problems.All(p => p.StartsWith("line ", StringComparison.Ordinal) && !p.Any(char.IsControl));
        }, iter: Many);
        Reliability.Record("bad input", "boot timeline files (init analyze): generated timelines and random text", Many * 2, "round trip exact; bad lines named by number; nothing throws");
    }

    [Test, MaxTime(20_000)]
    public void A_readiness_file_reads_back_as_written_and_any_text_is_safe()
    {
        var status = Gen.OneOf(Gen.Const((string?)null), TextOf("abc XYZ 0123456789=-.:/", 40).Select(t => (string?)t));
        Gen.Select(Gen.Int[1, 3], Gen.Int[0, int.MaxValue], status).Sample((state, pid, text) =>
        {
            var written = new ReadinessRecord((Readiness)state, pid, text);
            return ReadinessRecord.Parse(written.Format()) == written;
        }, iter: Many);
        TextOf("startingreadystop 0123456789\nus", 60).Sample(text =>
        {
            var read = ReadinessRecord.Parse(text);
            return read.State == Readiness.None || text.StartsWith($"{ReadinessRecord.Word(read.State)} {read.Pid}\n", StringComparison.Ordinal);
        }, iter: Many);
        Reliability.Record("bad input", "supervise/readiness: generated records and random text", Many * 2, "round trip exact; a state only from a whole first line; nothing throws");
    }

    [Test, MaxTime(20_000)]
    public void Any_sv_command_word_parses_or_is_refused_without_throwing()
    {
        Gen.Select(TextOf("udotkpchaiq12xsrfSlbe-", 12), Gen.Bool, Gen.Bool).Sample((word, verbose, lsb) => { SvCommand.Parse(word, verbose, lsb); }, iter: Many);
        Reliability.Record("bad input", "sv command words: random words", Many, "parsed or refused; nothing throws");
    }

    [Test, MaxTime(20_000)]
    public void A_listen_file_of_any_bytes_gives_each_line_a_socket_or_a_warning_and_addresses_read_as_System_Net_writes_them()
    {
        BytesOf("streamdagr .:[]/@0123456789abcdef#\n\t", 120).Sample(bytes =>
        {
            var warnings = new List<string>();
            var declared = ListenFile.Parse(bytes, warnings.Add);
            if (warnings.Count == 1 && warnings[0] == "listen: not text: ignored") return declared.Count == 0;
            int lines = Encoding.UTF8.GetString(bytes).Split('\n').Count(l => l.Trim(' ', '\t', '\r') is { Length: > 0 } t && !t.StartsWith('#'));
            return declared.Count + warnings.Count == lines;
        }, iter: Many);
        Gen.Byte.Array[16].Select(Gen.UShort[1, 65535]).Sample((address, port) =>
        {
            string text = $"[{new System.Net.IPAddress(address)}]:{port}";
            return ListenFile.SocketAddressOf(text) is { } sockaddr && sockaddr.AsSpan(8, 16).SequenceEqual(address) && (sockaddr[2] << 8 | sockaddr[3]) == port;
        }, iter: Many);
        Gen.Byte.Array[4].Select(Gen.UShort[1, 65535]).Sample((address, port) =>
            ListenFile.SocketAddressOf($"{new System.Net.IPAddress(address)}:{port}") is { } sockaddr && sockaddr.AsSpan(4, 4).SequenceEqual(address), iter: Many);
        Reliability.Record("bad input", "listen: random bytes biased to its syntax, every IPv4 and IPv6 text form System.Net writes", Many * 3, "a socket or one warning per line; addresses read back; nothing throws");
    }

    [Test, MaxTime(20_000)]
    public void Sd_notify_datagrams_of_any_bytes_parse_and_generated_assignments_read_back_in_order()
    {
        BytesOf("READYSTATUSWOPINGEXTEND_TIMEOUT_USC=1trigr\n\0 9", 300).Sample(bytes =>
        {
            foreach (var a in NotifyMessage.Parse(bytes))
                if (a.Kind == NotifyKind.Status && (a.Text.Length > NotifyMessage.MaxStatusLength || a.Text.Any(char.IsControl))) return false;
            return true;
        }, iter: Many);
        var assignment = Gen.OneOf(
            Gen.Const(("READY=1", new NotifyAssignment(NotifyKind.Ready))),
            Gen.Const(("STOPPING=1", new NotifyAssignment(NotifyKind.Stopping))),
            Gen.Const(("WATCHDOG=1", new NotifyAssignment(NotifyKind.Watchdog))),
            Gen.Const(("WATCHDOG=trigger", new NotifyAssignment(NotifyKind.WatchdogTrigger))),
            Gen.ULong.Select(us => ($"EXTEND_TIMEOUT_USEC={us}", new NotifyAssignment(NotifyKind.ExtendTimeout, Microseconds: us))),
            TextOf("abc XYZ 0123456789=-.:/", 150).Select(t => ("STATUS=" + t, new NotifyAssignment(NotifyKind.Status, t))),
            TextOf("READYready=01x", 10).Where(t => t is not ("READY=1" or "STOPPING=1")).Select(t => (t, default(NotifyAssignment))));
        assignment.Array[0, 8].Sample(list =>
        {
            var parsed = NotifyMessage.Parse(Encoding.UTF8.GetBytes(string.Join('\n', list.Select(a => a.Item1))));
            return parsed.SequenceEqual(list.Select(a => a.Item2).Where(a => a.Kind != NotifyKind.None));
        }, iter: Many);
        Reliability.Record("bad input", "sd_notify datagrams: random bytes biased to its keys, generated assignments", Many * 2, "assignments read back in order; STATUS= bounded and printable; nothing throws");
    }

    [Test, MaxTime(30_000)]
    public void Import_of_any_unit_or_supervisord_text_never_throws_and_every_script_quotes_what_it_was_given()
    {
        // Unit syntax and sh's special characters, so that sections, keys, prefixes, quotes, escapes,
        // specifiers and variables all come up.
        var unitLines = Gen.OneOf(
            Gen.Const("[Service]"), Gen.Const("[Unit]"), Gen.Const("[Install]"), Gen.Const("[Socket]"),
            TextOf("ExecStartPreopTyUsrGupWkDiyEnvironmentFileRestartSecKillSignalLimitNOFILEMemoryMaxCPUQuota", 16)
                .Select(k => k.Length == 0 ? "ExecStart" : k)
                .SelectMany(k => TextOf("-@+!:/ab $%{}\\\"';&|`\n=0-9infty", 40).Select(v => k + "=" + v)),
            Gen.Const("ExecStart=/bin/echo 'it''s' \"$HOME\" ${X} %n %i %% \\x41"),
            Gen.Const("Type=forking"), Gen.Const("Type=oneshot"), Gen.Const("Type=notify"), Gen.Const("PIDFile=/run/x.pid"));
        using var scripts = new TempDirectory();
        int written = 0;
        unitLines.Array[0, 20].Sample(lines =>
        {
            string text = string.Join('\n', lines);
            var draft = Init.Import.UnitImport.Convert(text, "x.service", "x.service", "x", out string? error);
            // Converted or refused with a reason, never both, never neither.
            if (draft is null) return error is not null;
            foreach (var (path, (content, executable)) in draft.Files)
                if (executable && written < 500) File.WriteAllText(scripts[$"{written++}-{path.Replace('/', '-')}"], content);
            return error is null && (draft.Files.ContainsKey("run") || draft.Files.ContainsKey("up"));
        }, iter: Many / 5);
        // Whatever the unit said, the scripts made of it are sh that parses: every word was quoted.
        var syntax = Run.Shell("for f in *; do sh -n \"$f\" 2>&1 || echo \"in $f\"; done", scripts.Path, timeoutMs: 60_000);
        Assert.That(syntax.Stdout, Is.Empty, syntax.ToString());
        Assert.That(written, Is.GreaterThan(50), "the generator must reach converted units");
        var programLines = Gen.OneOf(
            Gen.Const("[program:a]"), Gen.Const("[program:b]"), Gen.Const("[supervisord]"), Gen.Const("[group:g]"),
            TextOf("commandirectoryuseenvironmentautostartrestartexitcodesstopsignal_", 14)
                .SelectMany(k => TextOf("%()sENV_HOMEab \"',=0-9\\", 40).Select(v => k + "=" + v)),
            Gen.Const("command=/bin/sh -c \"echo '%(program_name)s' $X\""), Gen.Const("  continued"));
        programLines.Array[0, 20].Sample(lines =>
        {
            string text = string.Join('\n', lines);
            var drafts = Init.Import.SupervisordImport.Convert(text, "/nonexistent/supervisord.conf", null, out string? error);
            return (drafts is null) != (error is null);
        }, iter: Many / 5);
        Reliability.Record("bad input", "init import: generated units and supervisord configs (prefixes, quotes, escapes, specifiers, variables)", Many * 2 / 5, "converted or refused with a reason; nothing throws");
    }
}
