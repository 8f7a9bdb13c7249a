using Berth.Api.Validation;

namespace Berth.Api.Selectors;

/// <summary>The lexer and parser of labels.Parse (apimachinery/pkg/labels/selector.go), message for message.</summary>
public static class LabelSelectorParser
{
    private enum Token { Error, EndOfString, ClosedPar, Comma, DoesNotExist, DoubleEquals, Equals, GreaterThan, Identifier, In, LessThan, NotEquals, NotIn, OpenPar }

    private static Token? Lookup(string s) => s switch
    {
        ")" => Token.ClosedPar,
        "," => Token.Comma,
        "!" => Token.DoesNotExist,
        "==" => Token.DoubleEquals,
        "=" => Token.Equals,
        ">" => Token.GreaterThan,
        "in" => Token.In,
        "<" => Token.LessThan,
        "!=" => Token.NotEquals,
        "notin" => Token.NotIn,
        "(" => Token.OpenPar,
        _ => null,
    };

    private static bool IsWhitespace(char c) => c is ' ' or '\t' or '\r' or '\n';
    private static bool IsSpecial(char c) => c is '=' or '!' or '(' or ')' or ',' or '>' or '<';

    private static List<(Token Tok, string Lit)> Scan(string s)
    {
        var items = new List<(Token, string)>();
        int pos = 0;
        char Read() => pos < s.Length ? s[pos++] : '\0';
        while (true)
        {
            var ch = Read();
            while (IsWhitespace(ch)) ch = Read();
            (Token, string) item;
            if (ch == '\0') item = (Token.EndOfString, "");
            else if (IsSpecial(ch))
            {
                pos--;
                Token? last = null; string lastLit = "";
                var buffer = new System.Text.StringBuilder();
                while (true)
                {
                    var c = Read();
                    if (c == '\0') break;
                    if (IsSpecial(c))
                    {
                        buffer.Append(c);
                        if (Lookup(buffer.ToString()) is { } t) { last = t; lastLit = buffer.ToString(); }
                        else if (last is not null) { pos--; break; }
                    }
                    else { pos--; break; }
                }
                item = last is { } lt ? (lt, lastLit) : (Token.Error, $"error expected: keyword found '{buffer}'");
            }
            else
            {
                pos--;
                var buffer = new System.Text.StringBuilder();
                while (true)
                {
                    var c = Read();
                    if (c == '\0') break;
                    if (IsSpecial(c) || IsWhitespace(c)) { pos--; break; }
                    buffer.Append(c);
                }
                var str = buffer.ToString();
                item = Lookup(str) is { } t ? (t, str) : (Token.Identifier, str);
            }
            items.Add(item);
            if (item.Item1 == Token.EndOfString) break;
        }
        return items;
    }

    private sealed class Parser(List<(Token Tok, string Lit)> items)
    {
        private int _position;

        private static (Token, string) Map((Token Tok, string Lit) it, bool values)
            => values && it.Tok is Token.In or Token.NotIn ? (Token.Identifier, it.Lit) : (it.Tok, it.Lit);

        private (Token, string) Lookahead(bool values) => Map(items[_position], values);
        private (Token, string) Consume(bool values) => Map(items[_position++], values);

        public List<LabelRequirement> Parse()
        {
            var reqs = new List<LabelRequirement>();
            while (true)
            {
                var (tok, lit) = Lookahead(true);
                switch (tok)
                {
                    case Token.Identifier:
                    case Token.DoesNotExist:
                        LabelRequirement r;
                        try { r = ParseRequirement(); }
                        catch (SelectorParseException e) { throw new SelectorParseException("unable to parse requirement: " + e.Message); }
                        reqs.Add(r);
                        var (t, l) = Consume(true);
                        switch (t)
                        {
                            case Token.EndOfString:
                                return reqs;
                            case Token.Comma:
                                var (t2, l2) = Lookahead(true);
                                if (t2 != Token.Identifier && t2 != Token.DoesNotExist)
                                    throw new SelectorParseException($"found '{l2}', expected: identifier after ','");
                                break;
                            default:
                                throw new SelectorParseException($"found '{l}', expected: ',' or 'end of string'");
                        }
                        break;
                    case Token.EndOfString:
                        return reqs;
                    default:
                        throw new SelectorParseException($"found '{lit}', expected: !, identifier, or 'end of string'");
                }
            }
        }

        private LabelRequirement ParseRequirement()
        {
            var (key, op) = ParseKeyAndInferOperator();
            if (op is SelectorOperator.Exists or SelectorOperator.DoesNotExist)
                return LabelRequirement.Create(key, op.Value, []);
            var operatorParsed = ParseOperator();
            SortedSet<string> values = operatorParsed is SelectorOperator.In or SelectorOperator.NotIn ? ParseValues() : ParseExactValue();
            return LabelRequirement.Create(key, operatorParsed, values);
        }

        private (string, SelectorOperator?) ParseKeyAndInferOperator()
        {
            SelectorOperator? op = null;
            var (tok, lit) = Consume(true);
            if (tok == Token.DoesNotExist)
            {
                op = SelectorOperator.DoesNotExist;
                (tok, lit) = Consume(true);
            }
            if (tok != Token.Identifier) throw new SelectorParseException($"found '{lit}', expected: identifier");
            if (LabelRequirement.ValidateLabelKey(lit, new FieldPath("<nil>")) is { } err) throw new SelectorParseException(err.ToString());
            var (t, _) = Lookahead(true);
            if ((t == Token.EndOfString || t == Token.Comma) && op != SelectorOperator.DoesNotExist) op = SelectorOperator.Exists;
            return (lit, op);
        }

        private SelectorOperator ParseOperator()
        {
            var (tok, lit) = Consume(false);
            return tok switch
            {
                Token.In => SelectorOperator.In,
                Token.Equals => SelectorOperator.Equals,
                Token.DoubleEquals => SelectorOperator.DoubleEquals,
                Token.GreaterThan => SelectorOperator.GreaterThan,
                Token.LessThan => SelectorOperator.LessThan,
                Token.NotIn => SelectorOperator.NotIn,
                Token.NotEquals => SelectorOperator.NotEquals,
                _ => throw new SelectorParseException($"found '{lit}', expected: in, notin, =, ==, !=, gt, lt"),
            };
        }

        private SortedSet<string> ParseValues()
        {
            var (tok, lit) = Consume(true);
            if (tok != Token.OpenPar) throw new SelectorParseException($"found '{lit}' expected: '('");
            (tok, lit) = Lookahead(true);
            switch (tok)
            {
                case Token.Identifier:
                case Token.Comma:
                    var s = ParseIdentifiersList();
                    if (Consume(true).Item1 != Token.ClosedPar) throw new SelectorParseException($"found '{lit}', expected: ')'");
                    return s;
                case Token.ClosedPar:
                    Consume(true);
                    return new SortedSet<string>(StringComparer.Ordinal) { "" };
                default:
                    throw new SelectorParseException($"found '{lit}', expected: ',', ')' or identifier");
            }
        }

        private SortedSet<string> ParseIdentifiersList()
        {
            var s = new SortedSet<string>(StringComparer.Ordinal);
            while (true)
            {
                var (tok, lit) = Consume(true);
                switch (tok)
                {
                    case Token.Identifier:
                        s.Add(lit);
                        var (tok2, lit2) = Lookahead(true);
                        if (tok2 == Token.Comma) continue;
                        if (tok2 == Token.ClosedPar) return s;
                        throw new SelectorParseException($"found '{lit2}', expected: ',' or ')'");
                    case Token.Comma:
                        if (s.Count == 0) s.Add("");
                        var (t2, _) = Lookahead(true);
                        if (t2 == Token.ClosedPar) { s.Add(""); return s; }
                        if (t2 == Token.Comma) { Consume(true); s.Add(""); }
                        break;
                    default:
                        throw new SelectorParseException($"found '{lit}', expected: ',', or identifier");
                }
            }
        }

        private SortedSet<string> ParseExactValue()
        {
            var s = new SortedSet<string>(StringComparer.Ordinal);
            var (tok, _) = Lookahead(true);
            if (tok == Token.EndOfString || tok == Token.Comma) { s.Add(""); return s; }
            var (t, lit) = Consume(true);
            if (t == Token.Identifier) { s.Add(lit); return s; }
            throw new SelectorParseException($"found '{lit}', expected: identifier");
        }
    }

    /// <summary>labels.ParseToRequirements: the parsed requirements, stably sorted by key as upstream does.</summary>
    public static List<LabelRequirement> ParseRequirements(string selector)
    {
        var reqs = new Parser(Scan(selector)).Parse();
        return reqs.OrderBy(r => r.Key, StringComparer.Ordinal).ToList();
    }

    /// <summary>labels.Parse.</summary>
    public static LabelSelectorExpr Parse(string? selector) => LabelSelectorExpr.Parse(selector);
}
