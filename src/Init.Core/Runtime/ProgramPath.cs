using Init.Interop;

namespace Init.Runtime;

/// <summary>execvp's search: a name with a slash is used as is, others are looked up in PATH (glibc's default "/bin:/usr/bin").</summary>
public static class ProgramPath
{
    public static string? Find(string program)
    {
        if (program.Contains('/')) return program;
        string path = Environment.GetEnvironmentVariable("PATH") ?? "/bin:/usr/bin";
        foreach (string dir in path.Split(':'))
        {
            string candidate = (dir.Length == 0 ? "." : dir) + "/" + program;
            if (Sys.Stat(candidate, out var st) == 0 && st.IsRegular && (st.Mode & 0x49) != 0) return candidate;
        }
        return null;
    }
}
