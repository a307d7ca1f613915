namespace Init.Supervision;

/// <summary>
/// IP addresses as a <c>listen</c> file writes them, strictly: IPv4 as four decimal numbers, IPv6 in
/// RFC 4291's text forms (no zone). Not System.Net's parser, which also takes "1" or "0x7f.1" for
/// IPv4 (inet_aton's forms, a mistyped line would bind something unexpected) and pulls in System.Net.
/// </summary>
public static class IpAddress
{
    /// <summary>"127.0.0.1" → its 4 bytes; null unless four numbers 0–255 without leading zeros.</summary>
    public static byte[]? ParseV4(ReadOnlySpan<char> text)
    {
        var bytes = new byte[4];
        for (int k = 0; k < 4; k++)
        {
            int dot = k < 3 ? text.IndexOf('.') : text.Length;
            if (dot <= 0 || dot > 3) return null;
            var part = text[..dot];
            if (part.Length > 1 && part[0] == '0') return null;
            int value = 0;
            foreach (char c in part)
            {
                if (c is < '0' or > '9') return null;
                value = value * 10 + (c - '0');
            }
            if (value > 255) return null;
            bytes[k] = (byte)value;
            text = k < 3 ? text[(dot + 1)..] : [];
        }
        return bytes;
    }

    /// <summary>"::1", "2001:db8::8:800:200c:417a", "::ffff:192.0.2.1" → 16 bytes; null for anything else.</summary>
    public static byte[]? ParseV6(ReadOnlySpan<char> text)
    {
        int gap = text.IndexOf("::");
        if (gap >= 0 && text[(gap + 1)..].IndexOf("::") >= 0) return null;
        var head = new List<byte>();
        var tail = new List<byte>();
        if (gap < 0)
        {
            if (!Groups(text, head, last: true) || head.Count != 16) return null;
            return head.ToArray();
        }
        if (!Groups(text[..gap], head, last: false) || !Groups(text[(gap + 2)..], tail, last: true)) return null;
        if (head.Count + tail.Count > 14) return null;   // "::" stands for at least one group of zeros
        var bytes = new byte[16];
        head.CopyTo(bytes);
        tail.CopyTo(bytes, 16 - tail.Count);
        return bytes;
    }

    /// <summary>Colon-separated groups of 1–4 hex digits (the last may be an IPv4 address) appended as bytes; true for an empty text.</summary>
    private static bool Groups(ReadOnlySpan<char> text, List<byte> bytes, bool last)
    {
        if (text.IsEmpty) return true;
        while (true)
        {
            int colon = text.IndexOf(':');
            var group = colon < 0 ? text : text[..colon];
            if (colon < 0 && last && group.IndexOf('.') >= 0)
            {
                if (ParseV4(group) is not { } v4) return false;
                bytes.AddRange(v4);
                return true;
            }
            if (group.Length is 0 or > 4) return false;
            int value = 0;
            foreach (char c in group)
            {
                int digit = c is >= '0' and <= '9' ? c - '0' : c is >= 'a' and <= 'f' ? c - 'a' + 10 : c is >= 'A' and <= 'F' ? c - 'A' + 10 : -1;
                if (digit < 0) return false;
                value = value * 16 + digit;
            }
            bytes.Add((byte)(value >> 8));
            bytes.Add((byte)value);
            if (bytes.Count > 16) return false;
            if (colon < 0) return true;
            text = text[(colon + 1)..];
        }
    }
}
