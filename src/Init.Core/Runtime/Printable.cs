using System.Text;

namespace Init.Runtime;

/// <summary>
/// Outside text (a file's contents, a datagram, a setting) as a message or one of Init's files may
/// show it: never a control character, and bounded, so a hostile value cannot fill a log line or
/// drive a terminal. The one place for that rule; each caller picks its bound.
/// </summary>
public static class Printable
{
    /// <summary>
    /// At most <paramref name="max"/> characters of <paramref name="text"/>, control characters as '?'
    /// (with <paramref name="asciiOnly"/>, anything but printable ASCII and the double quote a
    /// message puts around it), then <paramref name="more"/> when it was cut.
    /// </summary>
    public static string Of(ReadOnlySpan<char> text, int max, bool asciiOnly = false, string more = "")
    {
        var shown = new StringBuilder(Math.Min(text.Length, max) + more.Length);
        foreach (char c in text.Length > max ? text[..max] : text)
            shown.Append(asciiOnly ? (c is >= ' ' and < '\x7f' && c != '"' ? c : '?') : char.IsControl(c) ? '?' : c);
        if (text.Length > max) shown.Append(more);
        return shown.ToString();
    }

    /// <summary>Bytes read as Latin-1 (one character each, whatever they are), then as <see cref="Of"/> with printable ASCII only.</summary>
    public static string OfBytes(ReadOnlySpan<byte> bytes, int max, string more = "") =>
        Of(Encoding.Latin1.GetString(bytes[..Math.Min(bytes.Length, max + 1)]), max, asciiOnly: true, more);
}
