"""JavaScript and TypeScript (JSX/TSX) extraction: one walk per tree.

The walk records imports, exports, functions, classes, loops, assignments
and every call with the context rules need (awaited, returned, discarded,
inside which loops and ``try`` blocks, passed to which call). Expressions
become ``Value`` trees.
"""

from __future__ import annotations

import re

from tree_sitter import Node

from ..model import (
    Assign,
    Call,
    ClassFact,
    FileFacts,
    Function,
    Handler,
    Import,
    Loop,
    Param,
    Reexport,
    Span,
    Value,
)
from .common import (
    Positions,
    ValueCache,
    collect_comments,
    first_error_line,
    is_test_path,
    looks_like_env_name,
    node_text,
    parser,
)

FUNCTION_NODES = {
    "function_declaration",
    "generator_function_declaration",
    "function_expression",
    "function",
    "generator_function",
    "arrow_function",
    "method_definition",
}
CLASS_NODES = {"class_declaration", "class", "abstract_class_declaration"}
WRAPPER_NODES = {
    "parenthesized_expression",
    "as_expression",
    "satisfies_expression",
    "non_null_expression",
    "type_assertion",
}
LOOP_NODES = {
    "for_statement": "for",
    "for_in_statement": "for_of",
    "while_statement": "while",
    "do_statement": "while",
}
ITERATING_METHODS = {"forEach", "map", "flatMap", "each", "mapSeries", "eachSeries"}
HTTP_METHODS = {"get", "post", "put", "patch", "delete", "del", "all", "head", "options"}
NEXT_APP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"}
NEST_DECORATORS = {"Get", "Post", "Put", "Patch", "Delete", "All", "Head", "Options"}
# Operation types whose resolvers run inside the HTTP request. Subscription
# resolvers run on a long-lived connection instead.
GRAPHQL_OPERATION_TYPES = {"Query", "Mutation"}
NEST_GRAPHQL_DECORATORS = {"Query", "Mutation", "ResolveField"}
COMPARISON_OPS = {"==", "===", "!=", "!=="}
STATUS_METHODS = {"status", "sendStatus", "code"}
MAX_DEPTH = 24
MAX_CHILDREN = 200
ESCAPES = re.compile(r"\\(.)", re.S)


def _unescape(text: str) -> str:
    table = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}
    return ESCAPES.sub(lambda m: table.get(m.group(1), m.group(1)), text)


class JsExtractor(ValueCache):
    def __init__(self, source: bytes, path: str, language: str):
        super().__init__()
        self.source = source
        self.path = path
        self.language = language
        self.pos = Positions(source, path)
        self.facts = FileFacts(path=path, language=language)
        self.function_by_node: dict[int, int] = {}
        self.call_by_node: dict[int, int] = {}
        self.pending_handlers: list[tuple[Value, Handler]] = []
        self.is_test = is_test_path(path)

    # Entry point -------------------------------------------------------

    def extract(self) -> FileFacts:
        tree = parser(self.language).parse(self.source)
        root = tree.root_node
        self.facts.has_errors = root.has_error
        self.facts.error_line = first_error_line(root)
        self.facts.line_count = self.source.count(b"\n") + 1
        module = Function(0, "<module>", "module", self.pos.span(root))
        if self.is_test:
            module.context = "test"
        self.facts.functions.append(module)
        self.function_by_node[root.id] = 0
        self._directives(root, module)
        self._walk_children(root, _Context(0))
        self._resolve_pending_handlers()
        self._mark_file_handlers()
        self.facts.comments = collect_comments(root, self.source, self.language, self.pos)
        return self.facts

    # Helpers -----------------------------------------------------------

    def span(self, node: Node) -> Span:
        return self.pos.span(node)

    def text(self, node: Node) -> str:
        return node_text(node)

    def _directives(self, body: Node, function: Function) -> None:
        for child in body.named_children:
            if child.type != "expression_statement":
                if child.type != "comment":
                    break
                continue
            inner = child.named_children[0] if child.named_children else None
            if inner is None or inner.type != "string":
                break
            directive = self._string_value(inner)
            if function.index == 0:
                self.facts.directives.add(directive)
            elif directive == "use server":
                function.handler = Handler("nextjs-server-action", function.span)

    def _string_value(self, node: Node) -> str:
        raw = node.text.decode("utf-8", "replace")
        if len(raw) >= 2 and raw[0] in "'\"`" and raw[-1] == raw[0]:
            raw = raw[1:-1]
        return _unescape(raw) if "\\" in raw else raw

    # Values ------------------------------------------------------------

    def value(self, node: Node | None, scope: int, depth: int = 0) -> Value:
        if node is None:
            return Value("unknown", None)
        kind = node.type
        while kind in WRAPPER_NODES and node.named_children:
            node = node.named_children[0]
            kind = node.type
        return self.cached_value(node, scope, depth)

    def _convert(self, node: Node, scope: int, depth: int) -> Value:
        """Build the Value of one node; ``value`` caches the result per node."""
        kind = node.type
        span = self.span(node)
        if depth > MAX_DEPTH:
            return Value("unknown", span, self.text(node))
        depth += 1
        method = getattr(self, f"_value_{kind}", None)
        if method is not None:
            return method(node, scope, depth, span)
        if kind in FUNCTION_NODES:
            index = self._register_function(node, scope)
            return Value("func", span, self.text(node), value=index, scope=scope)
        if kind in ("true", "false"):
            return Value("bool", span, kind, value=kind == "true")
        if kind == "null":
            return Value("null", span, "null")
        if kind in ("identifier", "shorthand_property_identifier"):
            name = node.text.decode("utf-8", "replace")
            if name == "undefined":
                return Value("null", span, name)
            return Value("name", span, name, value=name, scope=scope)
        if kind == "this":
            return Value("name", span, "this", value="this", scope=scope)
        if kind == "super":
            return Value("name", span, "super", value="super", scope=scope)
        return Value("unknown", span, self.text(node))

    def _value_string(self, node, scope, depth, span):
        text = self._string_value(node)
        return Value("str", span, self.text(node), value=text)

    def _value_number(self, node, scope, depth, span):
        raw = node.text.decode().replace("_", "")
        number: float | int | None
        try:
            if raw.lower().startswith(("0x", "0o", "0b")):
                number = int(raw, 0)
            elif raw.endswith("n"):
                number = int(raw[:-1])
            else:
                number = float(raw) if any(c in raw for c in ".eE") else int(raw)
        except ValueError:
            number = None
        return Value("num", span, raw, value=number)

    def _value_template_string(self, node, scope, depth, span):
        parts: list[Value] = []
        cursor = node.start_byte + 1
        for child in node.named_children:
            if child.type == "template_substitution":
                if child.start_byte > cursor:
                    literal = self.source[cursor : child.start_byte].decode(
                        "utf-8", "replace"
                    )
                    parts.append(Value("str", None, literal, value=_unescape(literal)))
                inner = child.named_children[0] if child.named_children else None
                parts.append(self.value(inner, scope, depth))
                cursor = child.end_byte
        end = node.end_byte - 1
        if end > cursor:
            literal = self.source[cursor:end].decode("utf-8", "replace")
            parts.append(Value("str", None, literal, value=_unescape(literal)))
        if all(part.kind == "str" for part in parts):
            joined = "".join(part.value for part in parts)
            return Value("str", span, self.text(node), value=joined)
        return Value("template", span, self.text(node), children=tuple(parts))

    def _value_member_expression(self, node, scope, depth, span):
        obj = self.value(node.child_by_field_name("object"), scope, depth)
        prop = node.child_by_field_name("property")
        name = prop.text.decode("utf-8", "replace") if prop is not None else ""
        return Value("member", span, self.text(node), value=name, children=(obj,))

    def _value_subscript_expression(self, node, scope, depth, span):
        obj = self.value(node.child_by_field_name("object"), scope, depth)
        index_node = node.child_by_field_name("index")
        key = self.value(index_node, scope, depth)
        if key.kind == "str":
            return Value("member", span, self.text(node), value=key.value, children=(obj,))
        return Value("index", span, self.text(node), children=(obj, key))

    def _value_call_expression(self, node, scope, depth, span):
        callee_node = node.child_by_field_name("function")
        awaited_callee = _awaited_generic_callee(node)
        if awaited_callee is not None:
            callee_node = awaited_callee
            span = self._span_between(awaited_callee, node)
        callee = self.value(callee_node, scope, depth)
        args_node = node.child_by_field_name("arguments")
        children, keys = self._arguments(args_node, scope, depth)
        if args_node is not None and args_node.type == "template_string":
            children, keys = [self.value(args_node, scope, depth)], [None]
        return Value(
            "call", span, self.text(node),
            children=(callee, *children), keys=tuple(keys),
        )

    def _span_between(self, first: Node, last: Node) -> Span:
        start, end = self.span(first), self.span(last)
        return Span(start.path, start.line, start.col, end.end_line, end.end_col)

    def _value_new_expression(self, node, scope, depth, span):
        callee = self.value(node.child_by_field_name("constructor"), scope, depth)
        children, keys = self._arguments(
            node.child_by_field_name("arguments"), scope, depth
        )
        return Value(
            "new", span, self.text(node), children=(callee, *children), keys=tuple(keys)
        )

    def _arguments(self, args_node, scope, depth):
        children: list[Value] = []
        keys: list[str | None] = []
        if args_node is None:
            return children, keys
        for arg in args_node.named_children[:MAX_CHILDREN]:
            if arg.type == "comment":
                continue
            if arg.type == "spread_element":
                inner = arg.named_children[0] if arg.named_children else None
                children.append(self.value(inner, scope, depth))
                keys.append("...")
            else:
                children.append(self.value(arg, scope, depth))
                keys.append(None)
        return children, keys

    def _value_object(self, node, scope, depth, span):
        children: list[Value] = []
        keys: list[str | None] = []
        for entry in node.named_children[:MAX_CHILDREN]:
            kind = entry.type
            if kind == "pair":
                key = self._property_key(entry.child_by_field_name("key"))
                keys.append(key)
                children.append(self.value(entry.child_by_field_name("value"), scope, depth))
            elif kind == "shorthand_property_identifier":
                name = entry.text.decode("utf-8", "replace")
                keys.append(name)
                children.append(
                    Value("name", self.span(entry), name, value=name, scope=scope)
                )
            elif kind == "spread_element":
                inner = entry.named_children[0] if entry.named_children else None
                keys.append(None)
                children.append(self.value(inner, scope, depth))
            elif kind == "method_definition":
                keys.append(self._property_key(entry.child_by_field_name("name")))
                children.append(self.value(entry, scope, depth))
        return Value(
            "object", span, self.text(node), children=tuple(children), keys=tuple(keys)
        )

    def _property_key(self, node: Node | None) -> str | None:
        if node is None:
            return None
        if node.type == "string":
            return self._string_value(node)
        if node.type == "computed_property_name":
            inner = node.named_children[0] if node.named_children else None
            if inner is not None and inner.type == "string":
                return self._string_value(inner)
            return "[" + node_text(node) + "]"
        return node.text.decode("utf-8", "replace")

    def _value_array(self, node, scope, depth, span):
        items = []
        for item in node.named_children[:MAX_CHILDREN]:
            if item.type == "spread_element":
                inner = item.named_children[0] if item.named_children else None
                items.append(
                    Value("spread", self.span(item), self.text(item),
                          children=(self.value(inner, scope, depth),))
                )
            elif item.type != "comment":
                items.append(self.value(item, scope, depth))
        return Value("array", span, self.text(node), children=tuple(items))

    def _value_binary_expression(self, node, scope, depth, span):
        op_node = node.child_by_field_name("operator")
        op = op_node.type if op_node is not None else "?"
        left = self.value(node.child_by_field_name("left"), scope, depth)
        right = self.value(node.child_by_field_name("right"), scope, depth)
        return Value("binop", span, self.text(node), value=op, children=(left, right))

    def _value_unary_expression(self, node, scope, depth, span):
        op_node = node.child_by_field_name("operator")
        op = op_node.type if op_node is not None else "?"
        operand = self.value(node.child_by_field_name("argument"), scope, depth)
        return Value("unary", span, self.text(node), value=op, children=(operand,))

    def _value_await_expression(self, node, scope, depth, span):
        inner = node.named_children[0] if node.named_children else None
        return Value("await", span, self.text(node), children=(self.value(inner, scope, depth),))

    def _value_ternary_expression(self, node, scope, depth, span):
        parts = tuple(
            self.value(node.child_by_field_name(name), scope, depth)
            for name in ("condition", "consequence", "alternative")
        )
        return Value("cond", span, self.text(node), children=parts)

    def _value_assignment_expression(self, node, scope, depth, span):
        return self.value(node.child_by_field_name("right"), scope, depth)

    def _value_sequence_expression(self, node, scope, depth, span):
        last = node.named_children[-1] if node.named_children else None
        return self.value(last, scope, depth)

    def _value_update_expression(self, node, scope, depth, span):
        return Value("unknown", span, self.text(node))

    # Functions and classes ---------------------------------------------

    def _register_function(self, node: Node, parent: int) -> int:
        existing = self.function_by_node.get(node.id)
        if existing is not None:
            return existing
        index = len(self.facts.functions)
        kind = {
            "arrow_function": "arrow",
            "method_definition": "method",
        }.get(node.type, "function")
        name_node = node.child_by_field_name("name")
        name = name_node.text.decode("utf-8", "replace") if name_node is not None else ""
        if not name:
            name = self._inferred_name(node)
        function = Function(index, name, kind, self.span(node), parent=parent)
        function.is_async = any(child.type == "async" for child in node.children)
        parent_fn = self.facts.functions[parent] if parent >= 0 else None
        if parent_fn is not None and parent_fn.context:
            function.context = parent_fn.context
        self.facts.functions.append(function)
        self.function_by_node[node.id] = index
        self._params(node, function)
        return index

    def _inferred_name(self, node: Node) -> str:
        parent = node.parent
        if parent is None:
            return ""
        if parent.type == "variable_declarator":
            name = parent.child_by_field_name("name")
            return name.text.decode("utf-8", "replace") if name is not None else ""
        if parent.type in ("pair", "public_field_definition", "field_definition"):
            key = parent.child_by_field_name("key") or parent.child_by_field_name(
                "name"
            ) or parent.child_by_field_name("property")
            return self._property_key(key) or ""
        if parent.type == "assignment_expression":
            left = parent.child_by_field_name("left")
            if left is not None and left.type == "member_expression":
                prop = left.child_by_field_name("property")
                return prop.text.decode("utf-8", "replace") if prop is not None else ""
            if left is not None:
                return left.text.decode("utf-8", "replace")
        return ""

    def _params(self, node: Node, function: Function) -> None:
        params_node = node.child_by_field_name("parameters")
        if params_node is None:
            single = node.child_by_field_name("parameter")
            if single is not None:
                function.params.append(Param(single.text.decode(), 0))
            return
        index = 0
        for param in params_node.named_children:
            if param.type == "comment" or param.type == "decorator":
                continue
            function.params.append(self._param(param, index, function.index))
            index += 1

    def _param(self, param: Node, index: int, scope: int) -> Param:
        annotation = ""
        default = None
        node = param
        if param.type in ("required_parameter", "optional_parameter"):
            type_node = param.child_by_field_name("type")
            if type_node is not None:
                annotation = node_text(type_node).lstrip(":").strip()
            value_node = param.child_by_field_name("value")
            if value_node is not None:
                default = self.value(value_node, scope)
            node = param.child_by_field_name("pattern") or param
        if node.type == "assignment_pattern":
            default = self.value(node.child_by_field_name("right"), scope)
            node = node.child_by_field_name("left") or node
        if node.type == "rest_pattern":
            inner = node.named_children[0] if node.named_children else node
            return Param(inner.text.decode("utf-8", "replace"), index, "rest", annotation)
        if node.type == "object_pattern":
            fields = tuple(self._pattern_names(node))
            return Param(
                f"<pattern{index}>", index, "pattern", annotation, default, fields
            )
        if node.type == "array_pattern":
            return Param(f"<pattern{index}>", index, "pattern", annotation, default)
        name = node.text.decode("utf-8", "replace")
        return Param(name, index, "positional", annotation, default)

    def _pattern_names(self, pattern: Node) -> list[str]:
        names = []
        for entry in pattern.named_children:
            if entry.type == "shorthand_property_identifier_pattern":
                names.append(entry.text.decode())
            elif entry.type == "pair_pattern":
                key = self._property_key(entry.child_by_field_name("key"))
                if key:
                    names.append(key)
            elif entry.type == "object_assignment_pattern":
                left = entry.child_by_field_name("left")
                if left is not None:
                    names.append(left.text.decode())
        return names

    def _walk_function(self, node: Node, ctx: _Context, loops: tuple = ()) -> None:
        index = self._register_function(node, ctx.function)
        function = self.facts.functions[index]
        if ctx.class_name and not function.class_name:
            function.class_name = ctx.class_name
        self._decorators_for(node, function)
        self._bind_parameters(node, function, ctx)

        body = node.child_by_field_name("body")
        if body is None:
            return
        inner = _Context(index, loops=loops, class_name=function.class_name)
        if body.type == "statement_block":
            self._directives(body, function)
            self._walk_children(body, inner)
        else:
            # Expression body: its value is returned.
            function.returns.append(self.value(body, index))
            self._walk(body, inner, returned=True)

    def _bind_parameters(self, node: Node, function: Function, ctx: _Context) -> None:
        """Record names bound by object-pattern parameters as members of the parameter."""
        params_node = node.child_by_field_name("parameters")
        if params_node is None:
            return
        params = [p for p in params_node.named_children if p.type not in ("comment", "decorator")]
        for param, info in zip(params, function.params):
            pattern = param.child_by_field_name("pattern") or param
            if pattern.type == "assignment_pattern":
                pattern = pattern.child_by_field_name("left") or pattern
            if pattern.type == "object_pattern":
                source = Value("name", self.span(pattern), info.name, value=info.name,
                               scope=function.index)
                self._bind_pattern(pattern, source, function, self.span(pattern))
            self._param_property(param, info, function, ctx)

    def _param_property(self, param: Node, info: Param, function: Function, ctx) -> None:
        """``constructor(private readonly cio: TrackClient)`` declares a field."""
        if function.name != "constructor" or not function.class_name:
            return
        if not any(c.type in ("accessibility_modifier", "readonly") for c in param.children):
            return
        for fact in reversed(self.facts.classes):
            if fact.name == function.class_name:
                value = Value(
                    "name", self.span(param), info.name, value=info.name, scope=function.index
                )
                fact.fields.setdefault(info.name, []).append(
                    Assign(info.name, value, self.span(param))
                )
                break

    def _decorators_for(self, node: Node, function: Function) -> None:
        decorators = [c for c in node.children if c.type == "decorator"]
        sibling = node.prev_named_sibling
        while sibling is not None and sibling.type == "decorator":
            decorators.insert(0, sibling)
            sibling = sibling.prev_named_sibling
        function.decorators.extend(self._decorator_values(decorators, function.index))

    def _decorator_values(self, decorators: list[Node], scope: int) -> list[Value]:
        """Return the expressions of ``@decorator`` nodes."""
        return [
            self.value(decorator.named_children[0], scope)
            for decorator in decorators
            if decorator.named_children
        ]

    def _walk_class(self, node: Node, ctx: _Context) -> None:
        name_node = node.child_by_field_name("name")
        name = name_node.text.decode("utf-8", "replace") if name_node else ""
        if not name:
            name = self._inferred_name(node)
        index = len(self.facts.functions)
        body_fn = Function(index, name, "class_body", self.span(node), parent=ctx.function,
                           class_name=name, context=self.facts.functions[ctx.function].context)
        self.facts.functions.append(body_fn)

        fact = ClassFact(name, self.span(node), index)
        heritage = next((c for c in node.named_children if c.type == "class_heritage"), None)
        if heritage is not None:
            fact.bases = [node_text(c) for c in heritage.named_children]
        decorators = [c for c in node.children if c.type == "decorator"]
        parent = node.parent
        if parent is not None and parent.type == "export_statement":
            fact.exported = True
            decorators += [c for c in parent.children if c.type == "decorator"]
        fact.decorators = self._decorator_values(decorators, ctx.function)
        self.facts.classes.append(fact)

        body = node.child_by_field_name("body")
        if body is None:
            return
        for member in body.named_children:
            if member.type == "method_definition":
                method_index = self._register_function(member, index)
                method = self.facts.functions[method_index]
                method.class_name = name
                method.kind = "method"
                fact.methods[method.name] = method_index
                self._walk_function(member, _Context(index, class_name=name))
            elif member.type in ("public_field_definition", "field_definition"):
                key = member.child_by_field_name("name") or member.child_by_field_name(
                    "property"
                )
                field_name = self._property_key(key) or ""
                value_node = member.child_by_field_name("value")
                if value_node is not None and field_name:
                    value = self.value(value_node, index)
                    fact.fields.setdefault(field_name, []).append(
                        Assign(field_name, value, self.span(member))
                    )
                    if value.kind == "func":
                        fn = self.facts.functions[value.value]
                        fn.class_name = name
                        fact.methods[field_name] = value.value
                    self._walk(value_node, _Context(index, class_name=name))

    # Statements ----------------------------------------------------------

    def _walk_children(self, node: Node, ctx: _Context) -> None:
        for child in node.named_children:
            self._walk(child, ctx)

    def _walk(self, node: Node, ctx: _Context, returned: bool = False) -> None:
        kind = node.type
        if kind in FUNCTION_NODES:
            self._walk_function(node, ctx)
            return
        if kind in CLASS_NODES:
            self._walk_class(node, ctx)
            return
        handler = getattr(self, f"_stmt_{kind}", None)
        if handler is not None:
            handler(node, ctx)
            return
        if kind in LOOP_NODES:
            self._walk_loop(node, ctx, LOOP_NODES[kind])
            return
        if kind == "call_expression" or kind == "new_expression":
            self._visit_call(node, ctx)
            return
        if kind in ("string", "template_string"):
            self._note_string(node, ctx)
        elif kind in ("member_expression", "subscript_expression"):
            self._note_member(node, ctx)
        elif kind == "binary_expression":
            self._note_comparison(node, ctx)
        elif kind == "comment":
            return  # collect_comments records every comment in one pass
        self._walk_children(node, ctx)

    def _note_string(self, node: Node, ctx: _Context) -> None:
        if node.type == "string" and node.end_byte - node.start_byte < 80:
            self.facts.functions[ctx.function].strings.add(self._string_value(node))

    def _note_member(self, node: Node, ctx: _Context) -> None:
        function = self.facts.functions[ctx.function]
        if node.type == "member_expression":
            prop = node.child_by_field_name("property")
            if prop is not None:
                function.member_reads.add(prop.text.decode("utf-8", "replace"))
            obj = node.child_by_field_name("object")
            if obj is not None and obj.type == "member_expression" and node_text(obj) == "process.env":
                if prop is not None:
                    self.facts.env_names.add(prop.text.decode())
        else:
            index = node.child_by_field_name("index")
            if index is not None and index.type == "string":
                function.member_reads.add(self._string_value(index))

    def _note_comparison(self, node: Node, ctx: _Context) -> None:
        op_node = node.child_by_field_name("operator")
        if op_node is not None and op_node.type in COMPARISON_OPS:
            self.facts.functions[ctx.function].comparisons.append(
                self.value(node, ctx.function)
            )

    def _stmt_comment(self, node: Node, ctx: _Context) -> None:
        return  # collect_comments records every comment in one pass

    def _stmt_expression_statement(self, node: Node, ctx: _Context) -> None:
        self._walk_children(node, ctx)

    def _stmt_return_statement(self, node: Node, ctx: _Context) -> None:
        inner = node.named_children[0] if node.named_children else None
        if inner is not None:
            self.facts.functions[ctx.function].returns.append(self.value(inner, ctx.function))
        self._walk_children(node, ctx)

    def _stmt_try_statement(self, node: Node, ctx: _Context) -> None:
        body = node.child_by_field_name("body")
        for child in node.named_children:
            self._walk(child, ctx.with_try() if child == body else ctx)

    def _stmt_if_statement(self, node: Node, ctx: _Context) -> None:
        condition = node.child_by_field_name("condition")
        guard = self._guarded_name(condition)
        for child in node.named_children:
            if child == node.child_by_field_name("consequence") and guard:
                self._walk(child, ctx.with_guard(guard))
            else:
                self._walk(child, ctx)

    def _guarded_name(self, condition: Node | None) -> str | None:
        if condition is None:
            return None
        while condition.type in WRAPPER_NODES and condition.named_children:
            condition = condition.named_children[0]
        if condition.type == "unary_expression" and condition.text.startswith(b"!"):
            inner = condition.child_by_field_name("argument")
            if inner is not None:
                return node_text(inner)
        if condition.type == "binary_expression":
            right = condition.child_by_field_name("right")
            left = condition.child_by_field_name("left")
            if right is not None and right.type in ("null", "undefined") and left is not None:
                return node_text(left)
        return None

    def _stmt_switch_statement(self, node: Node, ctx: _Context) -> None:
        for child in node.named_children:
            self._walk(child, ctx)

    def _stmt_switch_default(self, node: Node, ctx: _Context) -> None:
        self._walk_children(node, ctx.with_default())

    def _stmt_else_clause(self, node: Node, ctx: _Context) -> None:
        inner = node.named_children[0] if node.named_children else None
        if inner is not None and inner.type == "if_statement":
            self._walk(inner, ctx)
        else:
            self._walk_children(node, ctx.with_default())

    def _stmt_import_statement(self, node: Node, ctx: _Context) -> None:
        source_node = node.child_by_field_name("source")
        if source_node is None:
            return
        source = self._string_value(source_node)
        span = self.span(node)
        clause = next((c for c in node.named_children if c.type == "import_clause"), None)
        if clause is None:
            self.facts.imports.append(Import("", source, "*", span, ctx.function))
            return
        for part in clause.named_children:
            if part.type == "identifier":
                self.facts.imports.append(
                    Import(part.text.decode(), source, "default", span, ctx.function)
                )
            elif part.type == "namespace_import":
                name = part.named_children[-1].text.decode() if part.named_children else ""
                self.facts.imports.append(Import(name, source, "*", span, ctx.function))
            elif part.type == "named_imports":
                for spec in part.named_children:
                    if spec.type != "import_specifier":
                        continue
                    imported = spec.child_by_field_name("name")
                    alias = spec.child_by_field_name("alias")
                    imported_name = self._module_export_name(imported)
                    local = alias.text.decode() if alias is not None else imported_name
                    self.facts.imports.append(
                        Import(local, source, imported_name, span, ctx.function)
                    )

    def _module_export_name(self, node: Node | None) -> str:
        if node is None:
            return ""
        if node.type == "string":
            return self._string_value(node)
        return node.text.decode("utf-8", "replace")

    def _stmt_export_statement(self, node: Node, ctx: _Context) -> None:
        source_node = node.child_by_field_name("source")
        span = self.span(node)
        declaration = node.child_by_field_name("declaration")
        value_node = node.child_by_field_name("value")
        is_default = any(child.type == "default" for child in node.children)
        if source_node is not None:
            source = self._string_value(source_node)
            clause = next((c for c in node.named_children if c.type == "export_clause"), None)
            if clause is None:
                namespace = next(
                    (c for c in node.named_children if c.type == "namespace_export"), None
                )
                exported = (
                    namespace.named_children[-1].text.decode()
                    if namespace is not None and namespace.named_children
                    else "*"
                )
                self.facts.reexports.append(Reexport(source, "*", exported, span))
                return
            for spec in clause.named_children:
                if spec.type != "export_specifier":
                    continue
                name = self._module_export_name(spec.child_by_field_name("name"))
                alias = spec.child_by_field_name("alias")
                exported = self._module_export_name(alias) if alias is not None else name
                self.facts.reexports.append(Reexport(source, name, exported, span))
            return
        if declaration is not None:
            self._walk(declaration, ctx)
            for name in self._declared_names(declaration):
                value = Value("name", self.span(declaration), name, value=name, scope=0)
                self.facts.exports["default" if is_default else name] = value
                self._mark_exported(name)
            if is_default and declaration.type in FUNCTION_NODES | CLASS_NODES:
                index = self.function_by_node.get(declaration.id)
                if index is not None:
                    self.facts.exports["default"] = Value(
                        "func", self.span(declaration), "", value=index, scope=0
                    )
                    self.facts.functions[index].exported = True
            return
        if value_node is not None:
            value = self.value(value_node, ctx.function)
            self.facts.exports["default"] = value
            if value.kind == "func":
                self.facts.functions[value.value].exported = True
            self._walk(value_node, ctx)
            return
        clause = next((c for c in node.named_children if c.type == "export_clause"), None)
        if clause is not None:
            for spec in clause.named_children:
                if spec.type != "export_specifier":
                    continue
                name = self._module_export_name(spec.child_by_field_name("name"))
                alias = spec.child_by_field_name("alias")
                exported = self._module_export_name(alias) if alias is not None else name
                self.facts.exports[exported] = Value(
                    "name", self.span(spec), name, value=name, scope=0
                )
                self._mark_exported(name)

    def _declared_names(self, declaration: Node) -> list[str]:
        if declaration.type in ("lexical_declaration", "variable_declaration"):
            names = []
            for declarator in declaration.named_children:
                if declarator.type == "variable_declarator":
                    name = declarator.child_by_field_name("name")
                    if name is not None and name.type == "identifier":
                        names.append(name.text.decode())
            return names
        name = declaration.child_by_field_name("name")
        return [name.text.decode()] if name is not None else []

    def _mark_exported(self, name: str) -> None:
        for function in self.facts.functions:
            if function.name == name and function.parent == 0:
                function.exported = True
        for fact in self.facts.classes:
            if fact.name == name:
                fact.exported = True

    def _stmt_lexical_declaration(self, node: Node, ctx: _Context) -> None:
        for declarator in node.named_children:
            if declarator.type == "variable_declarator":
                self._declarator(declarator, ctx)
            else:
                self._walk(declarator, ctx)

    _stmt_variable_declaration = _stmt_lexical_declaration

    def _declarator(self, node: Node, ctx: _Context) -> None:
        name_node = node.child_by_field_name("name")
        value_node = node.child_by_field_name("value")
        if value_node is None or name_node is None:
            return
        function = self.facts.functions[ctx.function]
        value = self.value(value_node, ctx.function)
        self._maybe_require(name_node, value, ctx)
        span = self.span(node)
        if name_node.type == "identifier":
            name = name_node.text.decode()
            function.assigns.setdefault(name, []).append(Assign(name, value, span))
        elif name_node.type == "object_pattern":
            self._bind_pattern(name_node, value, function, span)
        elif name_node.type == "array_pattern":
            for position, element in enumerate(name_node.named_children):
                if element.type == "identifier":
                    item = Value(
                        "index", self.span(element), node_text(element),
                        children=(value, Value("num", None, str(position), value=position)),
                    )
                    element_name = element.text.decode()
                    function.assigns.setdefault(element_name, []).append(
                        Assign(element_name, item, span)
                    )
        self._walk(value_node, ctx)

    def _bind_pattern(self, pattern: Node, source: Value, function: Function, span: Span) -> None:
        for entry in pattern.named_children:
            key = target = None
            default_node = None
            if entry.type == "shorthand_property_identifier_pattern":
                key = target = entry.text.decode()
            elif entry.type == "object_assignment_pattern":
                left = entry.child_by_field_name("left")
                key = target = left.text.decode() if left is not None else None
                default_node = entry.child_by_field_name("right")
            elif entry.type == "pair_pattern":
                key = self._property_key(entry.child_by_field_name("key"))
                value_node = entry.child_by_field_name("value")
                if value_node is not None and value_node.type == "assignment_pattern":
                    default_node = value_node.child_by_field_name("right")
                    value_node = value_node.child_by_field_name("left")
                if value_node is not None and value_node.type == "identifier":
                    target = value_node.text.decode()
                elif value_node is not None and value_node.type == "object_pattern":
                    member = Value("member", self.span(entry), node_text(entry),
                                   value=key, children=(source,))
                    self._bind_pattern(value_node, member, function, span)
                    continue
            if key and target:
                member = Value("member", self.span(entry), node_text(entry),
                               value=key, children=(source,))
                function.assigns.setdefault(target, []).append(Assign(target, member, span))
                if default_node is not None:
                    default = self.value(default_node, function.index)
                    function.assigns[target].append(Assign(target, default, span))
                if source.kind == "name" and source.value == "process.env":
                    self.facts.env_names.add(key)

    def _maybe_require(self, name_node: Node, value: Value, ctx: _Context) -> None:
        """Record ``const x = require('m')`` and ``const {a, b: c} = require('m')``."""
        call = value
        member = None
        if call.kind == "member" and call.obj is not None and call.obj.kind == "call":
            member, call = call.value, call.obj
        if call.kind == "await" and call.children:
            call = call.children[0]
        if call.kind != "call":
            return

        callee = call.callee
        is_require = callee is not None and callee.kind == "name" and callee.value == "require"
        is_dynamic = callee is not None and callee.kind == "unknown" and callee.text == "import"
        if not (is_require or is_dynamic) or not call.args or call.args[0].kind != "str":
            return

        source = call.args[0].value
        span = self.span(name_node)
        kind = "require" if is_require else "esm"
        if name_node.type == "identifier":
            self.facts.imports.append(
                Import(name_node.text.decode(), source, member or "*", span, ctx.function, kind)
            )
        elif name_node.type == "object_pattern":
            for entry in name_node.named_children:
                if entry.type == "shorthand_property_identifier_pattern":
                    name = entry.text.decode()
                    self.facts.imports.append(Import(name, source, name, span, ctx.function, kind))
                elif entry.type == "pair_pattern":
                    key = self._property_key(entry.child_by_field_name("key"))
                    target = entry.child_by_field_name("value")
                    if key and target is not None and target.type == "identifier":
                        self.facts.imports.append(
                            Import(target.text.decode(), source, key, span, ctx.function, kind)
                        )

    def _stmt_assignment_expression(self, node: Node, ctx: _Context) -> None:
        self._assignment(node, ctx, None)

    def _stmt_augmented_assignment_expression(self, node: Node, ctx: _Context) -> None:
        op_node = node.child_by_field_name("operator")
        self._assignment(node, ctx, op_node.type if op_node is not None else "=")

    def _assignment(self, node: Node, ctx: _Context, augmented: str | None) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None or right is None:
            self._walk_children(node, ctx)
            return
        function = self.facts.functions[ctx.function]
        value = self.value(right, ctx.function)
        span = self.span(node)
        target = node_text(left, 400)
        guarded = bool(ctx.guards) and any(g in ctx.guards for g in (target, f"this.{target}"))
        if left.type == "identifier":
            name = left.text.decode()
            function.assigns.setdefault(name, []).append(
                Assign(name, value, span, augmented=augmented, guarded=guarded)
            )
        elif left.type in ("member_expression", "subscript_expression"):
            self._member_assignment(left, value, span, ctx, augmented, guarded)
        self._walk(right, ctx)

    def _member_assignment(self, left, value, span, ctx, augmented, guarded) -> None:
        target = self.value(left, ctx.function)
        if target.kind != "member":
            return
        obj = target.obj
        dotted = obj.dotted if obj is not None else None
        if dotted == "module" and target.value == "exports":
            self._module_exports(value)
            return
        if dotted in ("exports", "module.exports"):
            self.facts.exports[target.value] = value
            if value.kind == "func":
                self.facts.functions[value.value].exported = True
                if not self.facts.functions[value.value].name:
                    self.facts.functions[value.value].name = target.value
            return
        function = self.facts.functions[ctx.function]
        if dotted == "this" and ctx.class_name:
            for fact in reversed(self.facts.classes):
                if fact.name == ctx.class_name:
                    fact.fields.setdefault(target.value, []).append(
                        Assign(target.value, value, span, augmented=augmented, guarded=guarded)
                    )
                    break
            return
        if dotted:
            function.assigns.setdefault(dotted, []).append(
                Assign(dotted, value, span, key=target.value, augmented=augmented,
                       guarded=guarded)
            )
            full = f"{dotted}.{target.value}"
            function.assigns.setdefault(full, []).append(
                Assign(full, value, span, augmented=augmented, guarded=guarded)
            )

    def _module_exports(self, value: Value) -> None:
        if value.kind == "object":
            for key, child in value.entries():
                if key:
                    self.facts.exports[key] = child
                    self._mark_export_value(child, key)
        self.facts.exports["default"] = value
        self.facts.exports["module.exports"] = value
        self._mark_export_value(value, "default")

    def _mark_export_value(self, value: Value, name: str) -> None:
        if value.kind == "func":
            self.facts.functions[value.value].exported = True
        elif value.kind == "name":
            self._mark_exported(value.value)

    # Loops ---------------------------------------------------------------

    def _walk_loop(self, node: Node, ctx: _Context, kind: str) -> None:
        iterable = None
        if node.type == "for_in_statement":
            right = node.child_by_field_name("right")
            iterable = self.value(right, ctx.function) if right is not None else None
            if any(child.type == "in" for child in node.children):
                kind = "for_in"
        index = self._new_loop(kind, node, ctx, iterable)
        inner = ctx.with_loop(index)
        for child in node.named_children:
            if child.type in ("statement_block", "expression_statement") or child == node.child_by_field_name("body"):
                self._walk(child, inner)
            else:
                self._walk(child, ctx)

    def _new_loop(self, kind, node, ctx, iterable, call=-1) -> int:
        index = len(self.facts.loops)
        parent = ctx.loops[-1] if ctx.loops else -1
        loop = Loop(index, kind, self.span(node), ctx.function, iterable, parent, call=call)
        loop.body_calls = self._body_call_names(node)
        self.facts.loops.append(loop)
        return index

    def _body_call_names(self, node: Node) -> list[str]:
        names: list[str] = []
        stack = [node]
        while stack and len(names) < 400:
            current = stack.pop()
            if current.type in ("call_expression", "new_expression"):
                callee = current.child_by_field_name("function") or current.child_by_field_name(
                    "constructor"
                )
                if callee is not None:
                    names.append(node_text(callee, 80))
            stack.extend(current.named_children)
        return names

    # Calls -----------------------------------------------------------------

    def _visit_call(self, node: Node, ctx: _Context) -> None:
        call_id = len(self.facts.calls)
        value = self.value(node, ctx.function)
        call = Call(call_id, value, value.span or self.span(node), ctx.function, ctx.loops,
                    in_try=ctx.in_try)
        self.facts.calls.append(call)
        self.call_by_node[node.id] = call_id
        self._call_context(node, call)
        self._note_call(node, value, call, ctx)

        callee_node = node.child_by_field_name("function") or node.child_by_field_name(
            "constructor"
        )
        if callee_node is not None:
            self._walk(callee_node, ctx)
        args_node = node.child_by_field_name("arguments")
        if args_node is None:
            return

        # Functions passed as arguments are walked as callbacks of this call;
        # those given to forEach/map and the like run once per item, a loop.
        method = value.method
        position = 0
        for arg in args_node.named_children:
            if arg.type == "comment":
                continue
            target = arg
            while target.type in WRAPPER_NODES and target.named_children:
                target = target.named_children[0]
            if target.type in FUNCTION_NODES:
                index = self._register_function(target, ctx.function)
                fn = self.facts.functions[index]
                fn.passed_to = call_id
                fn.passed_at = position
                loops = ctx.loops
                if method in ITERATING_METHODS:
                    iterable = value.callee.obj if value.callee is not None else None
                    loop = self._new_loop("callback", target, ctx, iterable, call=call_id)
                    loops = (*ctx.loops, loop)
                self._walk_function(target, ctx, loops=loops)
                self.facts.functions[index].parent = ctx.function
            else:
                self._walk(arg, ctx)
            position += 1

    def _call_context(self, node: Node, call: Call) -> None:
        """Record what happens to a call's result: awaited, returned, passed on."""
        if _awaited_generic_callee(node) is not None:
            call.awaited = True
        top = self._promise_chain_top(node, call)

        parent = top.parent
        while parent is not None and parent.type in WRAPPER_NODES:
            top, parent = parent, parent.parent
        if parent is None:
            return
        kind = parent.type
        if kind == "await_expression":
            call.awaited = True
            top, parent = parent, parent.parent
            while parent is not None and parent.type in WRAPPER_NODES:
                top, parent = parent, parent.parent
            if parent is None:
                return
            kind = parent.type
        if kind == "unary_expression" and parent.text.startswith(b"void"):
            call.voided = True
            top, parent = parent, parent.parent
            kind = parent.type if parent is not None else ""

        if kind == "expression_statement":
            call.discarded = not call.awaited
        elif kind == "return_statement" or kind == "arrow_function":
            call.returned = True
        elif kind == "arguments":
            outer = parent.parent
            if outer is not None and outer.id in self.call_by_node:
                call.parent_call = self.call_by_node[outer.id]
                ids = [a.id for a in parent.named_children if a.type != "comment"]
                call.parent_arg = ids.index(top.id) if top.id in ids else -1
        elif kind == "variable_declarator":
            name = parent.child_by_field_name("name")
            if name is not None and name.type == "identifier":
                call.assigned_to = name.text.decode()
        elif kind in ("array", "pair", "object"):
            # Collected into a list or object that is handled elsewhere.
            call.parent_call = -2

    def _promise_chain_top(self, node: Node, call: Call) -> Node:
        """Climb ``x.track().then(...).catch(...)`` and record its handlers."""
        top = node
        while True:
            parent = top.parent
            if parent is None or parent.type != "member_expression":
                break
            grand = parent.parent
            prop = parent.child_by_field_name("property")
            name = prop.text.decode() if prop is not None else ""
            if grand is None or grand.type != "call_expression" or name not in (
                "then", "catch", "finally"
            ):
                break

            args = grand.child_by_field_name("arguments")
            count = len([a for a in args.named_children if a.type != "comment"]) if args else 0
            if name == "catch" or (name == "then" and count >= 2):
                call.catches = True
            elif name == "finally":
                call.finally_only = True
            elif name == "then":
                call.then_only = True
            top = grand
        if top is not node:
            call.chain_span = self.span(top)
        return top

    def _note_call(self, node: Node, value: Value, call: Call, ctx: _Context) -> None:
        method = value.method
        callee = value.callee
        function = self.facts.functions[ctx.function]
        # Environment variable names read through helpers: required('CIO_SITE_ID').
        for arg in value.args[:1]:
            if arg.kind == "str" and looks_like_env_name(arg.value):
                self.facts.env_names.add(arg.value)
        if method in STATUS_METHODS and value.args and value.args[0].kind == "num":
            code = value.args[0].value
            if isinstance(code, int):
                function.status_codes.append((code, self.span(node), ctx.in_default))
        if value.kind == "new" and callee is not None and callee.dotted == "Response":
            self._response_status(value, node, function, ctx)
        if callee is not None and callee.kind == "member" and method in HTTP_METHODS:
            self._route_registration(node, value, ctx)
        elif callee is not None and callee.kind == "member" and method == "route":
            self._route_object(node, value)
        if callee is not None and callee.dotted in ("Response.json", "NextResponse.json"):
            self._response_status(value, node, function, ctx)

    def _response_status(self, value, node, function, ctx) -> None:
        for arg in value.args[1:2]:
            status = arg.get("status") if arg.kind == "object" else None
            if status is not None and status.kind == "num" and isinstance(status.value, int):
                function.status_codes.append((status.value, self.span(node), ctx.in_default))

    def _route_registration(self, node: Node, value: Value, ctx: _Context) -> None:
        args = value.args
        receiver = value.callee.obj if value.callee is not None else None
        if receiver is not None and receiver.kind == "call" and receiver.method == "route":
            # router.route('/path').post(handler)
            path_text = _route_path(receiver.args[0]) if receiver.args else None
            handlers = args
        else:
            path_text = _route_path(args[0]) if len(args) >= 2 else None
            handlers = args[1:]
        if not isinstance(path_text, str) or not path_text.startswith("/"):
            return
        if receiver is not None and receiver.kind == "name" and receiver.value in (
            "Map", "map", "cache", "headers", "params", "searchParams", "url"
        ):
            return
        method = value.method or ""
        span = self.span(node)
        for arg in handlers:
            handler = Handler("express", span, route=path_text, method=method.upper())
            if arg.kind == "func":
                fn = self.facts.functions[arg.value]
                fn.handler = fn.handler or handler
            elif arg.kind == "call":
                # asyncHandler(async (req, res) => ...) and similar error wrappers
                for inner in arg.args:
                    self._handler_argument(inner, handler)
                if arg.method == "bind" and arg.callee is not None and arg.callee.obj is not None:
                    self._handler_argument(arg.callee.obj, handler)  # ctrl.signup.bind(ctrl)
            elif arg.kind == "object":
                target = arg.get("handler")  # fastify.post(path, { schema, handler })
                if target is not None:
                    self._handler_argument(target, handler)
            else:
                self._handler_argument(arg, handler)

    def _handler_argument(self, arg: Value, handler: Handler) -> None:
        """Mark a route's handler argument: a function, or a name or member to link later."""
        if arg.kind == "func":
            fn = self.facts.functions[arg.value]
            fn.handler = fn.handler or handler
        elif arg.kind == "name":
            self.pending_handlers.append((arg, handler))
        elif arg.kind == "member":
            self.facts.handler_refs.append((arg, handler))

    def _route_object(self, node: Node, value: Value) -> None:
        """Fastify and hapi: ``server.route({ method, url or path, handler })``."""
        config = value.args[0] if value.args else None
        if config is None or config.kind != "object":
            return
        path_text = _route_path(config.get("url") or config.get("path"))
        if not isinstance(path_text, str) or not path_text.startswith("/"):
            return
        options = config.get("options") or config.get("config")
        target = config.get("handler") or (options.get("handler") if options is not None
                                           and options.kind == "object" else None)
        method = config.get("method")
        method_text = method.value.upper() if method is not None and method.kind == "str" else ""
        handler = Handler("fastify", self.span(node), route=path_text, method=method_text)
        if target is not None:
            self._handler_argument(target, handler)

    def _resolve_pending_handlers(self, pending: list[tuple[Value, Handler]] | None = None) -> None:
        by_name: dict[str, list[Function]] = {}
        for function in self.facts.functions:
            if function.name:
                by_name.setdefault(function.name, []).append(function)
        for reference, handler in self.pending_handlers if pending is None else pending:
            name = reference.value
            found = False
            for function in by_name.get(name, []):
                found = True
                if function.kind != "method" and function.handler is None:
                    function.handler = handler
            for assigns in self.facts.module.assigns.get(name, []):
                if assigns.value.kind == "func":
                    found = True
                    fn = self.facts.functions[assigns.value.value]
                    fn.handler = fn.handler or handler
            if not found:
                self.facts.handler_refs.append((reference, handler))

    def _mark_file_handlers(self) -> None:
        """Handlers known by where the file lives or what it exports."""
        path = "/" + self.path
        stem = path.rsplit("/", 1)[-1].split(".")[0]
        exports = self.facts.exports
        if re.search(r"/pages/api/", path):
            self._export_handler("default", "nextjs-pages", serverless=True)
        if re.search(r"/app/(.+/)?route\.[cm]?[jt]sx?$", path):
            for method in NEXT_APP_METHODS:
                self._export_handler(method, "nextjs-app", serverless=True)
        if "use server" in self.facts.directives:
            for name in list(exports):
                self._export_handler(name, "nextjs-server-action", serverless=True)
        if re.search(r"(^|/)(api|netlify/functions|functions)/", path):
            for name in ("default", "handler", *NEXT_APP_METHODS):
                self._export_handler(name, "serverless-function", serverless=True)
        if "handler" in exports:
            self._export_handler("handler", "lambda", serverless=True)
        if stem in ("middleware",):
            self._export_handler("middleware", "nextjs-middleware", serverless=True)
        default = exports.get("default")
        if default is not None and default.kind == "object":
            fetch = default.get("fetch")
            if fetch is not None and fetch.kind == "func":
                fn = self.facts.functions[fetch.value]
                fn.handler = fn.handler or Handler("cloudflare-worker", fn.span, serverless=True)
        self._nest_controllers()
        self._graphql_resolver_maps()

    def _graphql_resolver_maps(self) -> None:
        """Mark the fields of ``{ Query: {...}, Mutation: {...} }`` resolver maps as handlers.

        Apollo, GraphQL Yoga, Mercurius and graphql-tools run each resolver
        while the HTTP request that carries the operation waits. The maps are
        found in module-level variables, exports and module-level calls
        (``makeExecutableSchema({ resolvers })``).
        """
        roots = [assign.value for assigns in self.facts.module.assigns.values()
                 for assign in assigns]
        roots.extend(self.facts.exports.values())
        roots.extend(call.value for call in self.facts.calls if call.function == 0)
        seen: set[int] = set()
        named: list[tuple[Value, Handler]] = []
        for root in roots:
            self._graphql_resolvers_in(root, seen, named, 0)
        self._resolve_pending_handlers(named)

    def _graphql_resolvers_in(self, value: Value, seen: set[int],
                              named: list[tuple[Value, Handler]], depth: int) -> None:
        if depth > 4 or id(value) in seen:
            return
        seen.add(id(value))
        if value.kind in ("call", "new"):
            for argument in value.children[1:]:
                self._graphql_resolvers_in(argument, seen, named, depth + 1)
            return
        if value.kind != "object":
            return
        for key, child in value.entries():
            if key in GRAPHQL_OPERATION_TYPES and child.kind == "object":
                for field, resolver in child.entries():
                    if field is None:
                        continue
                    handler = Handler("graphql", resolver.span or child.span,
                                      route=f"{key}.{field}")
                    if resolver.kind == "name":
                        named.append((resolver, handler))
                    else:
                        self._handler_argument(resolver, handler)
            elif child.kind in ("object", "call", "new"):
                self._graphql_resolvers_in(child, seen, named, depth + 1)

    def _export_handler(self, name: str, framework: str, serverless: bool) -> None:
        value = self.facts.exports.get(name)
        if value is None:
            return
        index = None
        if value.kind == "func":
            index = value.value
        elif value.kind == "name":
            for function in self.facts.functions:
                if function.name == value.value and function.parent in (0, -1):
                    index = function.index
            for assign in self.facts.module.assigns.get(value.value, []):
                if assign.value.kind == "func":
                    index = assign.value.value
        if index is None:
            return
        fn = self.facts.functions[index]
        if fn.handler is None:
            fn.handler = Handler(framework, fn.span, serverless=serverless)

    def _nest_controllers(self) -> None:
        """Mark route methods of ``@Controller`` classes and operations of ``@Resolver`` classes.

        ``@Resolver`` classes are NestJS and TypeGraphQL GraphQL resolvers.
        """
        for fact in self.facts.classes:
            names = {_decorator_name(d) for d in fact.decorators}
            if "Controller" in names:
                framework, wanted = "nestjs", NEST_DECORATORS
            elif "Resolver" in names:
                framework, wanted = "graphql", NEST_GRAPHQL_DECORATORS
            else:
                continue
            for method_index in fact.methods.values():
                method = self.facts.functions[method_index]
                for decorator in method.decorators:
                    name = _decorator_name(decorator)
                    if name not in wanted:
                        continue
                    if framework == "graphql":
                        route = f"{fact.name}.{method.name}"
                        method.handler = Handler(framework, method.span, route=route)
                    else:
                        method.handler = Handler(framework, method.span, method=name.upper())


class _Context:
    __slots__ = ("function", "loops", "in_try", "class_name", "guards", "in_default")

    def __init__(self, function, loops=(), in_try=False, class_name="", guards=(),
                 in_default=False):
        self.function = function
        self.loops = loops
        self.in_try = in_try
        self.class_name = class_name
        self.guards = guards
        self.in_default = in_default

    def _copy(self, **changes) -> _Context:
        values = {name: getattr(self, name) for name in self.__slots__}
        values.update(changes)
        return _Context(**values)

    def with_loop(self, loop: int) -> _Context:
        return self._copy(loops=(*self.loops, loop))

    def with_try(self) -> _Context:
        return self._copy(in_try=True)

    def with_guard(self, name: str) -> _Context:
        return self._copy(guards=(*self.guards, name))

    def with_default(self) -> _Context:
        return self._copy(in_default=True)


def _decorator_name(decorator: Value) -> str | None:
    """``Get`` for ``@Get('/path')`` and for ``@Get``."""
    if decorator.kind == "call" and decorator.callee is not None:
        return decorator.callee.dotted
    return decorator.dotted


def _awaited_generic_callee(node: Node) -> Node | None:
    """Return ``f`` when tree-sitter read ``await f<T>(x)`` as a call of ``await f``.

    The TypeScript grammar parses an awaited call with type arguments that
    way, so the call is really ``f<T>(x)`` and it is awaited.
    """
    callee = node.child_by_field_name("function")
    if node.type != "call_expression" or callee is None or callee.type != "await_expression":
        return None
    if node.child_by_field_name("type_arguments") is None or not callee.named_children:
        return None
    return callee.named_children[0]


def _route_path(path: Value | None) -> str | None:
    """Return the literal path of a route, or the literal start of a template path."""
    if path is None:
        return None
    if path.kind == "str":
        return path.value
    if path.kind == "template" and path.children and path.children[0].kind == "str":
        return path.children[0].value
    return None


def extract(source: bytes, path: str, language: str) -> FileFacts:
    return JsExtractor(source, path, language).extract()
