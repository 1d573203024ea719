using System.Collections;
using System.Linq.Expressions;
using System.Reflection;

namespace DocTable.Orleans.Linq;

/// <summary>
/// Translates lambda expressions over a row type into the parameterized <see cref="Filter"/> model and
/// into column names: comparisons, <c>&amp;&amp;</c>, <c>||</c>, <c>!</c>, <c>== null</c>,
/// <c>string.StartsWith/EndsWith/Contains</c> (LIKE with escaping) and collection <c>Contains</c> (IN).
/// Parts that do not depend on the row (captured variables, member access, method calls) are
/// evaluated once to constants. Everything else throws <see cref="UnsupportedExpressionException"/>:
/// nothing is ever filtered on the client.
/// </summary>
internal sealed class ExpressionTranslator<T> where T : new()
{
    private readonly RowMapper<T> _mapper;
    private readonly ParameterExpression _row;

    private ExpressionTranslator(RowMapper<T> mapper, ParameterExpression row)
    {
        _mapper = mapper;
        _row = row;
    }

    /// <summary>The filter of <paramref name="predicate"/>.</summary>
    public static Filter Where(RowMapper<T> mapper, Expression<Func<T, bool>> predicate)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        return new ExpressionTranslator<T>(mapper, predicate.Parameters[0]).Translate(predicate.Body);
    }

    /// <summary>The column a key selector such as <c>r =&gt; r.Id</c> names.</summary>
    public static ColumnDef Column<TKey>(RowMapper<T> mapper, Expression<Func<T, TKey>> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        var translator = new ExpressionTranslator<T>(mapper, selector.Parameters[0]);
        return translator.TryColumn(selector.Body, out var column)
            ? column
            : throw Unsupported(selector.Body, "a selector must name one mapped property of the row, e.g. r => r.Id");
    }

    /// <summary>Every column a projection such as <c>r =&gt; new { r.Id, r.Number }</c> reads; it may use the row only through mapped properties.</summary>
    public static string[] ColumnsRead<TResult>(RowMapper<T> mapper, Expression<Func<T, TResult>> selector)
    {
        ArgumentNullException.ThrowIfNull(selector);
        var collector = new ColumnCollector(new ExpressionTranslator<T>(mapper, selector.Parameters[0]));
        collector.Visit(selector.Body);
        if (collector.Columns.Count == 0)
            throw Unsupported(selector.Body, "a projection must read at least one mapped property of the row");
        return [.. collector.Columns];
    }

    private Filter Translate(Expression e)
    {
        switch (e.NodeType)
        {
            case ExpressionType.AndAlso:
                var and = (BinaryExpression)e;
                return new AndFilter([Translate(and.Left), Translate(and.Right)]);
            case ExpressionType.OrElse:
                var or = (BinaryExpression)e;
                return new OrFilter([Translate(or.Left), Translate(or.Right)]);
            case ExpressionType.Not when e.Type == typeof(bool):
                return new NotFilter(Translate(((UnaryExpression)e).Operand));
            case ExpressionType.Equal or ExpressionType.NotEqual or ExpressionType.LessThan
                or ExpressionType.LessThanOrEqual or ExpressionType.GreaterThan or ExpressionType.GreaterThanOrEqual:
                return Compare((BinaryExpression)e);
            case ExpressionType.Call:
                return Call((MethodCallExpression)e);
            case ExpressionType.MemberAccess when TryColumn(e, out var flag) && flag.Type == ColumnType.Boolean:
                return new CompareFilter(flag.Name, CompareOp.Eq, 1L);
            default:
                throw Unsupported(e, DependsOnRow(e)
                    ? "supported are comparisons of a property with a value, &&, ||, !, == null, string StartsWith/EndsWith/Contains and collection Contains"
                    : "a condition that does not depend on the row cannot be sent as a filter; decide it before building the query");
        }
    }

    private Filter Compare(BinaryExpression b)
    {
        var op = b.NodeType switch
        {
            ExpressionType.Equal => CompareOp.Eq,
            ExpressionType.NotEqual => CompareOp.Ne,
            ExpressionType.LessThan => CompareOp.Lt,
            ExpressionType.LessThanOrEqual => CompareOp.Le,
            ExpressionType.GreaterThan => CompareOp.Gt,
            _ => CompareOp.Ge,
        };
        Expression valueSide;
        if (TryColumn(b.Left, out var column) && !DependsOnRow(b.Right)) valueSide = b.Right;
        else if (TryColumn(b.Right, out column) && !DependsOnRow(b.Left))
        {
            valueSide = b.Left;
            op = op switch { CompareOp.Lt => CompareOp.Gt, CompareOp.Le => CompareOp.Ge, CompareOp.Gt => CompareOp.Lt, CompareOp.Ge => CompareOp.Le, _ => op };
        }
        else throw Unsupported(b, "a comparison needs a mapped property on one side and a value that does not depend on the row on the other");

        var value = Storage(column, Evaluate(valueSide));
        if (value is null)
        {
            return op switch
            {
                CompareOp.Eq => new IsNullFilter(column.Name),
                CompareOp.Ne => new IsNullFilter(column.Name, Negate: true),
                _ => throw Unsupported(b, "only == null and != null can compare with null"),
            };
        }
        return TwoValued(column, new CompareFilter(column.Name, op, value), op == CompareOp.Ne);
    }

    /// <summary>
    /// Gives a condition on a nullable column C#'s two-valued meaning: a NULL column value makes it
    /// false (true for !=), never SQL's unknown, so that <c>!</c> around it means what it means in C#.
    /// </summary>
    private static Filter TwoValued(ColumnDef column, Filter condition, bool trueForNull = false)
    {
        if (!column.Nullable) return condition;
        return trueForNull
            ? new OrFilter([condition, new IsNullFilter(column.Name)])
            : new AndFilter([condition, new IsNullFilter(column.Name, Negate: true)]);
    }

    private Filter Call(MethodCallExpression m)
    {
        var method = m.Method;
        if (method.DeclaringType == typeof(string) && m.Object is not null && method.Name is "StartsWith" or "EndsWith" or "Contains")
        {
            if (m.Arguments.Count != 1)
                throw Unsupported(m, $"only the one-argument string.{method.Name} is supported (it becomes LIKE, which ignores case for ASCII letters)");
            if (!TryColumn(m.Object, out var column) || DependsOnRow(m.Arguments[0]))
                throw Unsupported(m, $"string.{method.Name} must be called on a mapped property with an argument that does not depend on the row");
            var text = Evaluate(m.Arguments[0]) switch
            {
                string s => s,
                char c => c.ToString(),
                null => throw Unsupported(m, $"string.{method.Name}(null) is not a condition"),
                var other => throw Unsupported(m, $"string.{method.Name} with a {other.GetType().Name} argument"),
            };
            var escaped = LikeFilter.Escape(text);
            var pattern = method.Name switch { "StartsWith" => escaped + "%", "EndsWith" => "%" + escaped, _ => "%" + escaped + "%" };
            return TwoValued(column, new LikeFilter(column.Name, pattern, Escaped: true));
        }
        if (method.Name == "Contains" && TryCollectionContains(m, out var source, out var item))
        {
            if (!TryColumn(item, out var column) || DependsOnRow(source))
                throw Unsupported(m, "Contains must test a mapped property against a collection that does not depend on the row");
            if (Evaluate(source) is not IEnumerable values || values is string)
                throw Unsupported(m, "Contains needs a collection of values");
            var list = new List<object>();
            var hasNull = false;
            foreach (var v in values)
            {
                var stored = Storage(column, v);
                if (stored is null) hasNull = true;
                else list.Add(stored);
            }
            return TwoValued(column, new InFilter(column.Name, [.. list]), trueForNull: hasNull);
        }
        throw Unsupported(m, $"the method {method.DeclaringType?.Name}.{method.Name} cannot be translated");
    }

    /// <summary>Recognises <c>list.Contains(x)</c>, <c>Enumerable.Contains(src, x)</c> and C# 14's <c>MemoryExtensions.Contains(span, x)</c>.</summary>
    private static bool TryCollectionContains(MethodCallExpression m, out Expression source, out Expression item)
    {
        source = item = null!;
        if (m.Object is not null && m.Arguments.Count == 1 && m.Method.DeclaringType != typeof(string))
        {
            source = m.Object;
            item = m.Arguments[0];
            return true;
        }
        if (m.Object is null && m.Method.DeclaringType == typeof(Enumerable) && m.Arguments.Count == 2)
        {
            source = m.Arguments[0];
            item = m.Arguments[1];
            return true;
        }
        if (m.Object is null && m.Method.DeclaringType == typeof(MemoryExtensions)
            && (m.Arguments.Count == 2 || (m.Arguments.Count == 3 && m.Arguments[2] is ConstantExpression { Value: null })))
        {
            // The span comes from an implicit conversion of an array; evaluate the array itself.
            source = m.Arguments[0] is MethodCallExpression { Method.Name: "op_Implicit", Arguments.Count: 1 } conversion
                ? conversion.Arguments[0]
                : m.Arguments[0];
            item = m.Arguments[1];
            return source.Type.IsArray;
        }
        return false;
    }

    /// <summary>True when <paramref name="e"/> is (a conversion of) a mapped property of the row parameter.</summary>
    private bool TryColumn(Expression e, out ColumnDef column)
    {
        while (e.NodeType is ExpressionType.Convert or ExpressionType.ConvertChecked) e = ((UnaryExpression)e).Operand;
        if (e is MemberExpression { Member: PropertyInfo property } member && member.Expression == _row && _mapper.ColumnOf(property) is { } def)
        {
            column = def;
            return true;
        }
        column = null!;
        return false;
    }

    private object? Storage(ColumnDef column, object? value) => _mapper.ToStorageValue(column.Name, value).Value;

    private bool DependsOnRow(Expression e)
    {
        var finder = new ParameterFinder(_row);
        finder.Visit(e);
        return finder.Found;
    }

    /// <summary>Evaluates an expression that does not depend on the row (constants, captured variables, member chains, calls).</summary>
    private static object? Evaluate(Expression e)
    {
        switch (e)
        {
            case ConstantExpression c:
                return c.Value;
            case MemberExpression { Member: FieldInfo field } f:
                return field.GetValue(f.Expression is null ? null : Evaluate(f.Expression));
            case MemberExpression { Member: PropertyInfo property } p when property.GetIndexParameters().Length == 0:
                return property.GetValue(p.Expression is null ? null : Evaluate(p.Expression));
            case UnaryExpression { NodeType: ExpressionType.Convert } u when u.Type == typeof(object) || Nullable.GetUnderlyingType(u.Type) == u.Operand.Type:
                return Evaluate(u.Operand);
            default:
                return Expression.Lambda<Func<object?>>(Expression.Convert(e, typeof(object))).Compile(preferInterpretation: true)();
        }
    }

    private static UnsupportedExpressionException Unsupported(Expression e, string why)
        => new($"The expression '{e}' cannot be translated to a table query: {why}. Nothing is filtered on the client; rewrite the condition.");

    private sealed class ParameterFinder(ParameterExpression row) : ExpressionVisitor
    {
        public bool Found { get; private set; }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            if (node == row) Found = true;
            return node;
        }
    }

    private sealed class ColumnCollector(ExpressionTranslator<T> translator) : ExpressionVisitor
    {
        public List<string> Columns { get; } = [];

        protected override Expression VisitMember(MemberExpression node)
        {
            if (translator.TryColumn(node, out var column))
            {
                if (!Columns.Contains(column.Name)) Columns.Add(column.Name);
                return node;
            }
            return base.VisitMember(node);
        }

        protected override Expression VisitParameter(ParameterExpression node)
        {
            if (node == translator._row)
                throw Unsupported(node, "a projection may use the row only through its mapped properties (e.g. r => new { r.Id, r.Number })");
            return node;
        }
    }
}
