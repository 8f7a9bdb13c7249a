using System.Globalization;

namespace Berth.Server.Patching;

/// <summary>RFC 6901 JSON pointer parsing.</summary>
internal static class JsonPointer
{
    /// <summary>Splits a pointer into unescaped reference tokens; "" is the whole document (no tokens).</summary>
    internal static bool TryParse(string pointer, out string[] tokens)
    {
        if (pointer.Length == 0)
        {
            tokens = [];
            return true;
        }

        if (pointer[0] != '/')
        {
            tokens = [];
            return false;
        }

        var raw = pointer.Substring(1).Split('/');
        tokens = new string[raw.Length];
        for (var i = 0; i < raw.Length; i++)
        {
            var token = raw[i];
            // "~01" must decode to "~1", so "~1" is handled before "~0" (RFC 6901 section 4).
            tokens[i] = token.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
        }

        return true;
    }

    /// <summary>Parses an array index the way Go's strconv.Atoi does (optional sign, decimal digits).</summary>
    internal static bool TryParseIndex(string token, out int index) =>
        int.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out index)
        && token.Length > 0 && !char.IsWhiteSpace(token[0]);
}
