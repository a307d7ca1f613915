// Init's build: dotnet cake --target=<Target>
//   Build    compile everything (warnings are errors)
//   Publish  NativeAOT binary + applet links into artifacts/bin
//   Test     Publish, then the NUnit suite against the native binary; prints "N passed, N failed"
//            (--filter=Category=Fast: the in-process tests only; --hang-timeout=5min: the bound of
//            any one test, after which the run is stopped and the hung test named; CI=true: a
//            skipped test counts as failed unless it is on the allow-list below)
//   Docs     rewrite the docs generated from the code (docs/runsv-state-table.md from RunsvTable,
//            docs/configuration.md from InitSettings and InitOptions)
//   Reliability  run the fault, bad-input and attack tests (Category=Reliability) and write
//            docs/reliability.md from the rows they record
//   Bench    side-by-side benchmarks with runit / tini (prints ratios)
//   Soak     200 crash-looping services for ten minutes (a row for docs/reliability.md)
//   Fuzz     afl++ on every fuzz target of tests/Fuzz, Init.Core instrumented by SharpFuzz
//            (INIT_FUZZ_SECONDS each, 60 by default; rows for docs/reliability.md)
//   Demo     a runsvdir tree of sample services, shown with sv status, then shut down
//   Image    a bootable initramfs (images/build-initramfs.sh)
//   Boot     boot that initramfs under QEMU (software emulation, serial console)
//   DebianImage  a Debian bookworm disk image booted by Init (images/debian/build.sh; the root
//            filesystem is cached until images/debian/packages changes)
//   DebianBoot   boot it under QEMU (KVM where it works), its self-test, then poweroff
//   Package  the release tarball and the .deb (packaging/build-package.sh) in artifacts/package

var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var filter = Argument("filter", "");
var hangTimeout = Argument("hang-timeout", "5min");
var root = MakeAbsolute(Directory("."));
var bin = root.Combine("artifacts/bin");
var results = root.Combine("artifacts/test-results");

Task("Clean").Does(() =>
{
    CleanDirectories("./artifacts");
    CleanDirectories("./src/**/bin");
    CleanDirectories("./src/**/obj");
    CleanDirectories("./tests/**/bin");
    CleanDirectories("./tests/**/obj");
});

Task("Build").Does(() =>
{
    DotNetBuild("./Init.sln", new DotNetBuildSettings { Configuration = configuration });
});

Task("Publish").Does(() =>
{
    DotNetPublish("./src/Init/Init.csproj", new DotNetPublishSettings
    {
        Configuration = configuration,
        OutputDirectory = bin,
    });
    // One link per applet name, as the binary itself lists them.
    var init = bin.CombineWithFilePath("init").FullPath;
    StartProcess(init, new ProcessSettings { Arguments = "--list", RedirectStandardOutput = true }, out var output);
    var names = output.Where(n => !string.IsNullOrWhiteSpace(n)).Select(n => n.Trim()).ToList();  // the output can be read once
    foreach (var name in names)
    {
        var link = bin.CombineWithFilePath(name).FullPath;
        if (System.IO.File.Exists(link) || System.IO.Directory.Exists(link)) System.IO.File.Delete(link);
        System.IO.File.CreateSymbolicLink(link, "init");
    }
    Information($"published {init} with {names.Count} applet links");
});

// Tests that may be skipped even in CI: each skips for a reason of the machine, not a missing package.
var allowedSkips = new[]
{
    "Init_without_arguments_outside_PID_1_prints_the_usage_and_exits_100",   // skips where /.dockerenv exists (CI in a container)
};

Task("Test").IsDependentOn("Publish").Does(() =>
{
    CleanDirectory(results);
    var settings = new DotNetTestSettings
    {
        Configuration = configuration,
        ResultsDirectory = results,
        Loggers = new[] { "trx;LogFileName=results.trx", "console;verbosity=normal" },
        EnvironmentVariables = new Dictionary<string, string> { ["INIT_BIN_DIR"] = bin.FullPath },
        // A test's [CancelAfter] only ends it while it waits in Support/Run.cs; anything stuck
        // elsewhere is caught here: after --hang-timeout without a test finishing, the blame
        // collector names the running test, writes a mini dump of the test host and kills it.
        ArgumentCustomization = args => args
            .Append("--blame-hang")
            .Append("--blame-hang-timeout").Append(hangTimeout)
            .Append("--blame-hang-dump-type").Append("mini"),
    };
    // Without a filter, leave out the [Explicit] hang proof (so no run reports it, even as skipped).
    settings.Filter = string.IsNullOrEmpty(filter) ? "Category!=HangProof" : filter;
    Exception failure = null;
    try { DotNetTest("./tests/Init.Tests/Init.Tests.csproj", settings); }
    catch (Exception e) { failure = e; }

    // The closing line CI reads: "N passed, N failed[, N skipped]".
    var trx = System.IO.Path.Combine(results.FullPath, "results.trx");
    bool ci = string.Equals(EnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
    int passed = 0, failed = 0, skipped = 0;
    var skippedInCi = new List<string>();
    var failures = new List<string>();
    if (System.IO.File.Exists(trx))
    {
        var doc = System.Xml.Linq.XDocument.Load(trx);
        foreach (var r in doc.Descendants().Where(e => e.Name.LocalName == "UnitTestResult"))
        {
            switch ((string)r.Attribute("outcome"))
            {
                case "Passed": passed++; break;
                case "NotExecuted":
                    string name = (string)r.Attribute("testName") ?? "";
                    string reason = r.Descendants().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value.Trim() ?? "";
                    if (ci && !allowedSkips.Any(a => name.StartsWith(a))) { failed++; skippedInCi.Add($"{name}: {reason}"); }
                    else skipped++;
                    break;
                default:
                    failed++;
                    string message = r.Descendants().FirstOrDefault(e => e.Name.LocalName == "Message")?.Value.Trim() ?? "";
                    string firstLine = message.Split('\n')[0];
                    if (firstLine.Length > 300) firstLine = firstLine.Substring(0, 300) + "…";
                    failures.Add($"{(string)r.Attribute("testName")}: {firstLine}");
                    break;
            }
        }
    }
    // A run stopped by the hang timeout has no result for the hung test: count the run as one failure.
    if (failure != null && failed == 0) failed = 1;
    foreach (var name in skippedInCi) System.Console.WriteLine($"skipped in CI (counted as failed): {name}");
    // Named again at the end so the tail of a CI log says which test failed and why.
    foreach (var line in failures) System.Console.WriteLine($"failed test: {line}");
    var hangs = System.IO.Directory.GetFiles(results.FullPath, "Sequence_*.xml", SearchOption.AllDirectories);
    if (failure != null && hangs.Length > 0)
        foreach (var dump in System.IO.Directory.GetFiles(results.FullPath, "*.dmp", SearchOption.AllDirectories).GroupBy(System.IO.Path.GetFileName).Select(g => g.First()))
            System.Console.WriteLine($"hang dump: {dump}");
    System.Console.WriteLine(skipped > 0 ? $"{passed} passed, {failed} failed, {skipped} skipped" : $"{passed} passed, {failed} failed");
    if (failure != null || failed > 0) throw new Exception("tests failed");
});

// The doc test compares each generated doc with what the code renders; UPDATE_DOCS=1 makes it write them.
Task("Docs").Does(() =>
{
    DotNetTest("./tests/Init.Tests/Init.Tests.csproj", new DotNetTestSettings
    {
        Configuration = configuration,
        Filter = "FullyQualifiedName~The_committed_state_table_doc_is_what_the_code_renders|FullyQualifiedName~The_committed_configuration_reference_is_what_the_code_renders",
        EnvironmentVariables = new Dictionary<string, string> { ["UPDATE_DOCS"] = "1" },
    });
});

// Each Reliability test records its row (Support/Reliability.cs) once its assertions passed; the
// table is made only from those rows, so it says what this run of the tests showed.
Task("Reliability").IsDependentOn("Publish").Does(() =>
{
    var rows = root.CombineWithFilePath("artifacts/reliability.jsonl");
    if (FileExists(rows)) DeleteFile(rows);
    Exception failure = null;
    try
    {
        DotNetTest("./tests/Init.Tests/Init.Tests.csproj", new DotNetTestSettings
        {
            Configuration = configuration,
            Filter = "Category=Reliability",
            EnvironmentVariables = new Dictionary<string, string> { ["INIT_BIN_DIR"] = bin.FullPath, ["INIT_RELIABILITY_OUT"] = rows.FullPath },
        });
    }
    catch (Exception e) { failure = e; }
    // The soak's and the fuzzers' rows, when the Soak and Fuzz targets have run (minutes: not part of this one).
    var soak = root.CombineWithFilePath("artifacts/soak.jsonl");
    var fuzz = root.CombineWithFilePath("artifacts/fuzz.jsonl");
    var parsed = new[] { rows, soak, fuzz }.Where(f => System.IO.File.Exists(f.FullPath))
        .SelectMany(f => System.IO.File.ReadAllLines(f.FullPath)).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
    string Cell(System.Text.Json.JsonElement row, string name) => row.GetProperty(name).GetString().Replace("|", "\\|");
    var md = new System.Text.StringBuilder();
    md.Append("# Reliability: faults, bad input and attacks, as the tests found them\n\n");
    md.Append("Generated by `dotnet cake --target=Reliability` from the rows the tests in `Category=Reliability`\n");
    md.Append("record once their assertions have passed (`tests/Init.Tests/Support/Reliability.cs`); a test that\n");
    md.Append("fails records nothing, so every row below is a result of that run. Do not edit by hand.\n\n");
    md.Append($"Run of {DateTime.UtcNow:yyyy-MM-dd}: {parsed.Count} rows{(failure != null ? " (some tests failed: their rows are missing)" : "")}.\n");
    foreach (var area in parsed.GroupBy(r => Cell(r, "Area")).OrderBy(g => g.Key))
    {
        md.Append($"\n## {area.Key}\n\n| tried | times | what happened | lines lost | duplicates | runit / tini, same test |\n|---|---|---|---|---|---|\n");
        foreach (var r in area.OrderBy(r => Cell(r, "Tried")))
            md.Append($"| {Cell(r, "Tried")} | {Cell(r, "Tries")} | {Cell(r, "Result")} | {Cell(r, "Lost")} | {Cell(r, "Doubled")} | {Cell(r, "Peer")} |\n");
    }
    System.IO.File.WriteAllText(root.CombineWithFilePath("docs/reliability.md").FullPath, md.ToString());
    System.Console.WriteLine($"docs/reliability.md: {parsed.Count} rows");
    if (failure != null) throw failure;
});

Task("Bench").IsDependentOn("Publish").Does(() =>
{
    // The container benchmark times start-up against an empty NativeAOT program (the stack's floor).
    DotNetPublish("./tests/RuntimeFloor/RuntimeFloor.csproj", new DotNetPublishSettings
    {
        Configuration = configuration,
        OutputDirectory = root.Combine("artifacts/floor"),
    });
    DotNetRun("./tests/Bench/Bench.csproj", new ProcessArgumentBuilder().Append(bin.FullPath), new DotNetRunSettings { Configuration = configuration });
});

// Ten minutes of 200 crash-looping services (INIT_SOAK_SECONDS to change it); its row goes to
// artifacts/soak.jsonl, which the Reliability target adds to docs/reliability.md.
Task("Soak").IsDependentOn("Publish").Does(() =>
{
    var rows = root.CombineWithFilePath("artifacts/soak.jsonl");
    if (FileExists(rows)) DeleteFile(rows);
    DotNetRun("./tests/Bench/Bench.csproj", new ProcessArgumentBuilder().Append("soak").Append(bin.FullPath), new DotNetRunSettings
    {
        Configuration = configuration,
        EnvironmentVariables = new Dictionary<string, string> { ["INIT_RELIABILITY_OUT"] = rows.FullPath },
    });
});

// afl++ (Debian's afl++) on each target of tests/Fuzz for INIT_FUZZ_SECONDS (60 by default), with
// Init.Core's IL instrumented by SharpFuzz and the committed corpus as seeds. A row per target goes
// to artifacts/fuzz.jsonl, which the Reliability target adds to docs/reliability.md; any crash is
// kept in artifacts/fuzz/crashes/TARGET and fails the target (replay: Fuzz.dll TARGET FILE).
Task("Fuzz").Does(() =>
{
    int seconds = int.TryParse(EnvironmentVariable("INIT_FUZZ_SECONDS"), out int s) ? s : 60;
    var work = root.Combine("artifacts/fuzz");
    CleanDirectory(work);
    DotNetPublish("./tests/Fuzz/Fuzz.csproj", new DotNetPublishSettings { Configuration = configuration, OutputDirectory = work.Combine("bin") });
    if (StartProcess("dotnet", $"sharpfuzz {work.CombineWithFilePath("bin/Init.Core.dll").FullPath}") != 0) throw new Exception("sharpfuzz could not instrument Init.Core.dll");
    var rows = root.CombineWithFilePath("artifacts/fuzz.jsonl");
    if (FileExists(rows)) DeleteFile(rows);
    var crashed = new List<string>();
    foreach (var corpus in GetDirectories("./tests/Fuzz/corpus/*").OrderBy(d => d.FullPath))
    {
        string name = corpus.GetDirectoryName();
        var output = work.Combine("out/" + name);
        EnsureDirectoryExists(work.Combine("out"));
        int exit = StartProcess("afl-fuzz", new ProcessSettings
        {
            Arguments = $"-V {seconds} -t 5000 -m none -i {corpus.FullPath} -o {output.FullPath} -- dotnet {work.CombineWithFilePath("bin/Fuzz.dll").FullPath} {name}",
            // dotnet itself is not instrumented (SharpFuzz speaks afl's protocol from managed code);
            // no UI, no CPU-governor or core_pattern demands on a shared machine.
            EnvironmentVariables = new Dictionary<string, string>
            {
                ["AFL_SKIP_BIN_CHECK"] = "1", ["AFL_NO_UI"] = "1", ["AFL_SKIP_CPUFREQ"] = "1",
                ["AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES"] = "1", ["AFL_NO_AFFINITY"] = "1",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }, out var said, out var complained);
        System.IO.File.WriteAllLines(work.CombineWithFilePath($"out/{name}.log").FullPath, said.Concat(complained));
        var stats = System.IO.File.ReadAllLines(output.CombineWithFilePath("default/fuzzer_stats").FullPath)
            .Select(l => l.Split(':', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0].Trim(), p => p[1].Trim());
        var crashes = GetFiles(output.FullPath + "/default/crashes/id*").ToList();
        var hangs = GetFiles(output.FullPath + "/default/hangs/id*").ToList();
        if (crashes.Count + hangs.Count > 0 || exit != 0)
        {
            var keep = work.Combine("crashes/" + name);
            EnsureDirectoryExists(keep);
            CopyFiles(crashes.Concat(hangs), keep);
            crashed.Add($"{name}: {crashes.Count} crashes, {hangs.Count} hangs, afl-fuzz exit {exit}");
        }
        string result = $"{crashes.Count} crashes, {hangs.Count} hangs; {stats["corpus_count"]} inputs found, {stats["execs_per_sec"]} execs/s, stability {stats["stability"]}";
        System.IO.File.AppendAllText(rows.FullPath, System.Text.Json.JsonSerializer.Serialize(new
        {
            Area = "bad input", Tried = $"afl++ through SharpFuzz: fuzz target {name} for {seconds} s (Fuzz)", Tries = stats["execs_done"],
            Result = result, Lost = "—", Doubled = "—", Peer = "—", Test = "build.cake Fuzz",
        }) + "\n");
        Information($"{name}: {stats["execs_done"]} runs: {result}");
    }
    if (crashed.Count > 0) throw new Exception("fuzzing found failures (kept in artifacts/fuzz/crashes):\n" + string.Join("\n", crashed));
});

Task("Demo").IsDependentOn("Publish").Does(() =>
{
    var exit = StartProcess("bash", new ProcessSettings { Arguments = $"stages/demo.sh {bin.FullPath}" });
    if (exit != 0) throw new Exception($"demo failed ({exit})");
});

Task("Image").IsDependentOn("Publish").Does(() =>
{
    var exit = StartProcess("bash", new ProcessSettings { Arguments = $"images/build-initramfs.sh {bin.FullPath}" });
    if (exit != 0) throw new Exception($"image build failed ({exit})");
});

Task("Boot").IsDependentOn("Image").Does(() =>
{
    var exit = StartProcess("bash", new ProcessSettings { Arguments = "images/boot.sh" });
    if (exit != 0) throw new Exception($"boot failed ({exit})");
});

Task("DebianImage").IsDependentOn("Publish").Does(() =>
{
    var exit = StartProcess("bash", new ProcessSettings { Arguments = $"images/debian/build.sh {bin.FullPath}" });
    if (exit != 0) throw new Exception($"Debian image build failed ({exit})");
});

Task("DebianBoot").IsDependentOn("DebianImage").Does(() =>
{
    var exit = StartProcess("bash", new ProcessSettings { Arguments = "images/debian/boot.sh selftest=poweroff" });
    if (exit != 0) throw new Exception($"Debian boot failed ({exit})");
});

Task("Package").IsDependentOn("Publish").Does(() =>
{
    var exit = StartProcess("bash", new ProcessSettings { Arguments = $"packaging/build-package.sh {bin.FullPath}" });
    if (exit != 0) throw new Exception($"package build failed ({exit})");
});

RunTarget(target);
