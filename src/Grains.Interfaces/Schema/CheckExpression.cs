namespace DocTable.Orleans;

/// <summary>
/// Validates the SQL text of a CHECK constraint before it reaches DDL. Schemas may arrive over the
/// wire, so the grammar is deliberately small: column names of the table, numbers, '…' strings,
/// NULL/TRUE/FALSE, comparison (= == != &lt;&gt; &lt; &lt;= &gt; &gt;=), arithmetic (+ - * / %), ||,
/// AND/OR/NOT, IS [NOT] NULL, [NOT] IN (…), [NOT] BETWEEN … AND …, [NOT] LIKE, parentheses, and the
/// functions <c>length lower upper abs trim ltrim rtrim substr instr coalesce ifnull nullif round typeof</c>.
/// No ';', no comments, no quoted identifiers, no other names: nothing can leave the CHECK (…).
/// </summary>
public static class CheckExpression
{
    /// <summary>The longest expression accepted.</summary>
    public const int MaxLength = 1000;

    private static readonly HashSet<string> Keywords = new(StringComparer.OrdinalIgnoreCase)
    {
        "AND", "OR", "NOT", "IS", "NULL", "IN", "BETWEEN", "LIKE", "TRUE", "FALSE",
    };

    private static readonly HashSet<string> Functions = new(StringComparer.OrdinalIgnoreCase)
    {
        "length", "lower", "upper", "abs", "trim", "ltrim", "rtrim", "substr", "instr", "coalesce", "ifnull", "nullif", "round", "typeof",
    };

    private static readonly string[] Operators = ["==", "!=", "<>", "<=", ">=", "||", "=", "<", ">", "+", "-", "*", "/", "%"];

    /// <summary>Throws <see cref="SchemaException"/> naming the constraint and the offending text unless <paramref name="expression"/> fits the grammar.</summary>
    public static void Validate(string? expression, TableSchema schema, string constraint)
    {
        if (string.IsNullOrWhiteSpace(expression)) throw Invalid(constraint, "it is empty");
        if (expression.Length > MaxLength) throw Invalid(constraint, $"it is longer than {MaxLength} characters");
        var depth = 0;
        var operands = 0;
        var i = 0;
        while (i < expression.Length)
        {
            var c = expression[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c == '-' && At(expression, i + 1, '-') || c == '/' && At(expression, i + 1, '*'))
                throw Invalid(constraint, $"comments are not allowed (at position {i})");
            if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = i;
                while (i < expression.Length && (char.IsAsciiLetterOrDigit(expression[i]) || expression[i] == '_')) i++;
                var word = expression[start..i];
                var next = i;
                while (next < expression.Length && char.IsWhiteSpace(expression[next])) next++;
                if (Functions.Contains(word) && At(expression, next, '(')) continue;
                if (Keywords.Contains(word)) continue;
                if (schema.Find(word) is not null) { operands++; continue; }
                throw Invalid(constraint, $"'{word}' is neither a column of the table nor an allowed keyword or function (allowed functions: {string.Join(", ", Functions)})");
            }
            if (char.IsAsciiDigit(c) || c == '.' && i + 1 < expression.Length && char.IsAsciiDigit(expression[i + 1]))
            {
                i = Number(expression, i, constraint);
                operands++;
                continue;
            }
            if (c == '\'')
            {
                i++;
                while (true)
                {
                    if (i >= expression.Length) throw Invalid(constraint, "a '…' string is not closed");
                    if (expression[i] == '\'')
                    {
                        if (At(expression, i + 1, '\'')) { i += 2; continue; }
                        i++;
                        break;
                    }
                    i++;
                }
                operands++;
                continue;
            }
            if (c == '(') { depth++; i++; continue; }
            if (c == ')')
            {
                if (--depth < 0) throw Invalid(constraint, $"a ')' at position {i} closes nothing");
                i++;
                continue;
            }
            if (c == ',')
            {
                if (depth == 0) throw Invalid(constraint, $"a ',' at position {i} is outside parentheses");
                i++;
                continue;
            }
            var op = Operators.FirstOrDefault(o => string.CompareOrdinal(expression, i, o, 0, o.Length) == 0);
            if (op is null) throw Invalid(constraint, $"the character '{c}' at position {i} is not allowed");
            i += op.Length;
        }
        if (depth != 0) throw Invalid(constraint, "its parentheses are not balanced");
        if (operands == 0) throw Invalid(constraint, "it tests no column or value");
    }

    private static int Number(string s, int i, string constraint)
    {
        while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        if (At(s, i, '.')) { i++; while (i < s.Length && char.IsAsciiDigit(s[i])) i++; }
        if (i < s.Length && (s[i] == 'e' || s[i] == 'E'))
        {
            i++;
            if (i < s.Length && (s[i] == '+' || s[i] == '-')) i++;
            if (i >= s.Length || !char.IsAsciiDigit(s[i])) throw Invalid(constraint, $"a number has a malformed exponent at position {i}");
            while (i < s.Length && char.IsAsciiDigit(s[i])) i++;
        }
        if (i < s.Length && (char.IsAsciiLetter(s[i]) || s[i] == '_')) throw Invalid(constraint, $"a number runs into a name at position {i}");
        return i;
    }

    private static bool At(string s, int i, char c) => i < s.Length && s[i] == c;

    private static SchemaException Invalid(string constraint, string why)
        => new($"The CHECK expression of constraint '{constraint}' is refused: {why}. Use column names, literals, operators, IS [NOT] NULL, IN, BETWEEN, LIKE, parentheses and the listed functions only.");
}
