namespace Init.Logging;

/// <summary>
/// runit's svlogd pattern matcher: a character matches itself; <c>*</c> matches any string not
/// containing the next pattern character (a trailing <c>*</c> matches anything); <c>+</c>
/// matches the next character one or more times. The whole line must be consumed.
/// </summary>
public static class Pmatch
{
    public static bool Match(ReadOnlySpan<byte> pattern, ReadOnlySpan<byte> line)
    {
        int p = 0, s = 0;
        while (true)
        {
            if (p == pattern.Length) return s == line.Length;
            byte c = pattern[p++];
            switch (c)
            {
                case (byte)'*':
                    if (p == pattern.Length) return true;
                    c = pattern[p];
                    while (true)
                    {
                        if (s == line.Length) return false;
                        if (line[s] == c) break;
                        s++;
                    }
                    continue;
                case (byte)'+':
                    {
                        // One or more of the next character. As in runit, a line used up inside
                        // the repetition matches whatever pattern is left ("a+bc" matches "abb").
                        byte next = p < pattern.Length ? pattern[p++] : (byte)0;
                        if (s == line.Length || line[s] != next) return false;
                        while (true)
                        {
                            if (s == line.Length) return true;
                            if (line[s] != next) break;
                            s++;
                        }
                        continue;
                    }
                default:
                    if (s == line.Length || line[s] != c) return false;
                    s++;
                    continue;
            }
        }
    }
}
