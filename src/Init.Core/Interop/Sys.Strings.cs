using System.Runtime.InteropServices;
using System.Text;

namespace Init.Interop;

public static unsafe partial class Sys
{
    /// <summary>
    /// The one native-string encoder: <paramref name="s"/> as NUL-terminated UTF-8 into
    /// <paramref name="buffer"/> (a new array only when it does not fit).
    /// </summary>
    internal static Span<byte> Utf8Z(string s, Span<byte> buffer)
    {
        if (Encoding.UTF8.GetMaxByteCount(s.Length) + 1 > buffer.Length)
        {
            int needed = Encoding.UTF8.GetByteCount(s) + 1;
            if (needed > buffer.Length) buffer = new byte[needed];
        }
        int n = Encoding.UTF8.GetBytes(s, buffer);
        buffer[n] = 0;
        return buffer[..(n + 1)];
    }
}

/// <summary>Native copies of strings and string arrays (argv, envp) that outlive a stack frame, freed together.</summary>
internal struct NativeStrings : IDisposable
{
    private List<nint>? _blocks;

    public unsafe byte* Add(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s) + 1;
        byte* p = (byte*)Allocate((nuint)n);
        Sys.Utf8Z(s, new Span<byte>(p, n));
        return p;
    }

    /// <summary>A NULL-terminated array of copies of <paramref name="items"/>.</summary>
    public unsafe byte** AddArray(IReadOnlyList<string> items)
    {
        byte** array = (byte**)Allocate((nuint)((items.Count + 1) * sizeof(nint)));
        for (int i = 0; i < items.Count; i++) array[i] = Add(items[i]);
        array[items.Count] = null;
        return array;
    }

    private unsafe void* Allocate(nuint bytes)
    {
        void* p = NativeMemory.Alloc(bytes);
        (_blocks ??= []).Add((nint)p);
        return p;
    }

    public unsafe void Dispose()
    {
        if (_blocks is null) return;
        foreach (nint p in _blocks) NativeMemory.Free((void*)p);
        _blocks = null;
    }
}
