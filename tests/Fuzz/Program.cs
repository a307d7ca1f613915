using Init.Fuzz;
using SharpFuzz;

// Fuzz TARGET: one target under afl-fuzz (SharpFuzz's fork server; run once on stdin without it).
// Fuzz TARGET FILE...: each file through the target, for a crash afl found.
if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: Fuzz TARGET [FILE...]\ntargets: {string.Join(' ', FuzzTargets.All.Keys)}");
    return 100;
}
if (args.Length > 1)
{
    foreach (string file in args[1..]) target(File.ReadAllBytes(file));
    return 0;
}
Fuzzer.Run(stream =>
{
    using var input = new MemoryStream();
    stream.CopyTo(input);
    target(input.ToArray());
});
return 0;
