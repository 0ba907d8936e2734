"""Python extraction: one walk per tree, producing the same facts as JavaScript.

Python calls are blocking unless awaited, so ``awaited`` marks ``await`` on
async clients and every other call is synchronous. Keyword arguments keep
their names in ``Value.keys``; ``**attrs`` splats are kept as ``"**"``.
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

MAX_DEPTH = 24
MAX_CHILDREN = 200
COMPREHENSIONS = {
    "list_comprehension",
    "dictionary_comprehension",
    "set_comprehension",
    "generator_expression",
}
ROUTE_DECORATORS = {"route", "get", "post", "put", "patch", "delete", "api_route", "websocket"}
TASK_DECORATORS = {"shared_task", "task", "actor", "job", "periodic_task", "celery_task"}
MEMO_DECORATORS = {"cache", "lru_cache", "cached", "cached_property", "memoize"}
VIEW_METHODS = {"get", "post", "put", "patch", "delete", "head", "options",
                "list", "create", "retrieve", "update", "partial_update", "destroy",
                "form_valid", "dispatch", "perform_create", "perform_update"}
VIEW_BASES = re.compile(r"(View|ViewSet|APIView|Mixin|GenericAPIView)\b")
# Decorators of GraphQL resolvers that run while the HTTP request waits.
GRAPHQL_DECORATORS = {"strawberry.mutation", "strawberry.field", "strawberry_django.mutation",
                      "strawberry_django.field"}
GRAPHENE_MUTATE_METHODS = {"mutate", "mutate_and_get_payload", "perform_mutate"}
ITERATING_CALLS = {"map", "imap", "imap_unordered", "starmap", "map_async"}
COMPARISON_OPS = {"==", "!=", "is", "is not"}
STATUS_CALLS = {"abort", "Response", "HttpResponse", "JsonResponse", "HTTPException",
                "PlainTextResponse", "JSONResponse", "make_response"}
ESCAPES = re.compile(r"\\(.)", re.S)


def _unescape(text: str) -> str:
    table = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}
    return ESCAPES.sub(lambda m: table.get(m.group(1), m.group(1)), text)


class PyExtractor(ValueCache):
    def __init__(self, source: bytes, path: str):
        super().__init__()
        self.source = source
        self.path = path
        self.pos = Positions(source, path)
        self.facts = FileFacts(path=path, language="python")
        self.function_by_node: dict[int, int] = {}
        self.call_by_node: dict[int, int] = {}
        self.is_test = is_test_path(path)
        stem = path.rsplit("/", 1)[-1]
        self.is_views = stem == "views.py" or "/views/" in f"/{path}"
        self.frameworks: set[str] = set()
        self.is_script = bool(re.search(r"(^|/)(scripts?|bin|management/commands)/", path))

    def extract(self) -> FileFacts:
        tree = parser("python").parse(self.source)
        root = tree.root_node
        self.facts.has_errors = root.has_error
        self.facts.error_line = first_error_line(root)
        self.facts.line_count = self.source.count(b"\n") + 1
        module = Function(0, "<module>", "module", self.pos.span(root))
        if self.is_test:
            module.context = "test"
        self.facts.functions.append(module)
        self.function_by_node[root.id] = 0
        self._walk_children(root, _Context(0))
        self._module_exports()
        self.facts.comments = collect_comments(root, self.source, "python", self.pos)
        if self.is_script and not self.is_test:
            for function in self.facts.functions:
                if not function.context and not function.handler:
                    function.context = "script"
        return self.facts

    def span(self, node: Node) -> Span:
        return self.pos.span(node)

    def text(self, node: Node) -> str:
        return node_text(node)

    # Values --------------------------------------------------------------

    def value(self, node: Node | None, scope: int, depth: int = 0) -> Value:
        if node is None:
            return Value("unknown", None)
        while node.type == "parenthesized_expression" and node.named_children:
            node = node.named_children[0]
        return self.cached_value(node, scope, depth)

    def _convert(self, node: Node, scope: int, depth: int) -> Value:
        """Build the Value of one node. ``value`` caches the result per node."""
        span = self.span(node)
        if depth > MAX_DEPTH:
            return Value("unknown", span, self.text(node))

        depth += 1
        kind = node.type
        method = getattr(self, f"_value_{kind}", None)
        if method is not None:
            return method(node, scope, depth, span)

        if kind == "identifier":
            name = node.text.decode("utf-8", "replace")
            return Value("name", span, name, value=name, scope=scope)
        if kind in ("true", "false"):
            return Value("bool", span, kind, value=kind == "true")
        if kind == "none":
            return Value("null", span, "None")
        if kind in ("integer", "float"):
            raw = node.text.decode().replace("_", "")
            try:
                number = int(raw, 0) if kind == "integer" else float(raw)
            except ValueError:
                number = None
            return Value("num", span, raw, value=number)
        if kind == "lambda":
            index = self._register_function(node, scope)
            return Value("func", span, self.text(node), value=index, scope=scope)
        return Value("unknown", span, self.text(node))

    def _value_string(self, node, scope, depth, span):
        start = node.children[0] if node.children else None
        prefix = start.text.decode().lower() if start is not None else ""
        is_format = "f" in prefix.rstrip("'\"")
        is_raw = "r" in prefix.rstrip("'\"")
        parts: list[Value] = []
        for child in node.children:
            if child.type == "string_content":
                literal = child.text.decode("utf-8", "replace")
                if not is_raw and "\\" in literal:
                    literal = _unescape(literal)
                parts.append(Value("str", None, literal, value=literal))
            elif child.type == "escape_sequence":
                parts.append(Value("str", None, "", value=_unescape(child.text.decode())))
            elif child.type == "interpolation" and is_format:
                expression = child.child_by_field_name("expression")
                if expression is None and child.named_children:
                    expression = child.named_children[0]
                parts.append(self.value(expression, scope, depth))
        if all(part.kind == "str" for part in parts):
            text = "".join(part.value for part in parts)
            if "b" in prefix.rstrip("'\""):
                return Value("str", span, self.text(node), value=text)
            return Value("str", span, self.text(node), value=text)
        return Value("template", span, self.text(node), children=tuple(parts))

    def _value_concatenated_string(self, node, scope, depth, span):
        parts: list[Value] = []
        for child in node.named_children:
            value = self.value(child, scope, depth)
            parts.extend(value.children if value.kind == "template" else [value])
        if all(part.kind == "str" for part in parts):
            return Value("str", span, self.text(node), value="".join(p.value for p in parts))
        return Value("template", span, self.text(node), children=tuple(parts))

    def _value_attribute(self, node, scope, depth, span):
        obj = self.value(node.child_by_field_name("object"), scope, depth)
        attr = node.child_by_field_name("attribute")
        name = attr.text.decode("utf-8", "replace") if attr is not None else ""
        return Value("member", span, self.text(node), value=name, children=(obj,))

    def _value_subscript(self, node, scope, depth, span):
        obj = self.value(node.child_by_field_name("value"), scope, depth)
        key_node = node.child_by_field_name("subscript")
        key = self.value(key_node, scope, depth)
        if key.kind == "str":
            return Value("member", span, self.text(node), value=key.value, children=(obj,))
        return Value("index", span, self.text(node), children=(obj, key))

    def _value_call(self, node, scope, depth, span):
        callee = self.value(node.child_by_field_name("function"), scope, depth)
        args_node = node.child_by_field_name("arguments")
        children: list[Value] = []
        keys: list[str | None] = []
        if args_node is not None and args_node.type == "generator_expression":
            children.append(self.value(args_node, scope, depth))
            keys.append(None)
        elif args_node is not None:
            for arg in args_node.named_children[:MAX_CHILDREN]:
                if arg.type == "comment":
                    continue
                if arg.type == "keyword_argument":
                    name = arg.child_by_field_name("name")
                    keys.append(name.text.decode() if name is not None else None)
                    children.append(self.value(arg.child_by_field_name("value"), scope, depth))
                elif arg.type == "list_splat":
                    keys.append("*")
                    children.append(self.value(_first(arg), scope, depth))
                elif arg.type == "dictionary_splat":
                    keys.append("**")
                    children.append(self.value(_first(arg), scope, depth))
                else:
                    keys.append(None)
                    children.append(self.value(arg, scope, depth))
        return Value("call", span, self.text(node), children=(callee, *children),
                     keys=tuple(keys))

    def _value_dictionary(self, node, scope, depth, span):
        children: list[Value] = []
        keys: list[str | None] = []
        for entry in node.named_children[:MAX_CHILDREN]:
            if entry.type == "pair":
                key = self.value(entry.child_by_field_name("key"), scope, depth)
                keys.append(key.value if key.kind == "str" else f"[{key.text}]")
                children.append(self.value(entry.child_by_field_name("value"), scope, depth))
            elif entry.type == "dictionary_splat":
                keys.append(None)
                children.append(self.value(_first(entry), scope, depth))
        return Value("object", span, self.text(node), children=tuple(children),
                     keys=tuple(keys))

    def _value_list(self, node, scope, depth, span):
        items = []
        for item in node.named_children[:MAX_CHILDREN]:
            if item.type == "list_splat":
                items.append(Value("spread", self.span(item), self.text(item),
                                   children=(self.value(_first(item), scope, depth),)))
            elif item.type != "comment":
                items.append(self.value(item, scope, depth))
        return Value("array", span, self.text(node), children=tuple(items))

    _value_tuple = _value_list
    _value_set = _value_list

    def _value_binary_operator(self, node, scope, depth, span):
        op_node = node.child_by_field_name("operator")
        op = op_node.type if op_node is not None else "?"
        left = self.value(node.child_by_field_name("left"), scope, depth)
        right = self.value(node.child_by_field_name("right"), scope, depth)
        return Value("binop", span, self.text(node), value=op, children=(left, right))

    def _value_boolean_operator(self, node, scope, depth, span):
        op_node = node.child_by_field_name("operator")
        op = {"or": "||", "and": "&&"}.get(op_node.type if op_node else "", "?")
        left = self.value(node.child_by_field_name("left"), scope, depth)
        right = self.value(node.child_by_field_name("right"), scope, depth)
        return Value("binop", span, self.text(node), value=op, children=(left, right))

    def _value_comparison_operator(self, node, scope, depth, span):
        operators = [c.type for c in node.children if not c.is_named]
        op = " ".join(operators) if operators else "?"
        operands = [self.value(c, scope, depth) for c in node.named_children[:2]]
        while len(operands) < 2:
            operands.append(Value("unknown", span))
        op = {"is not": "!=", "is": "=="}.get(op, op)
        return Value("binop", span, self.text(node), value=op, children=tuple(operands))

    def _value_unary_operator(self, node, scope, depth, span):
        op_node = node.child_by_field_name("operator")
        op = op_node.type if op_node is not None else "?"
        operand = self.value(node.child_by_field_name("argument"), scope, depth)
        return Value("unary", span, self.text(node), value=op, children=(operand,))

    def _value_not_operator(self, node, scope, depth, span):
        operand = self.value(node.child_by_field_name("argument"), scope, depth)
        return Value("unary", span, self.text(node), value="!", children=(operand,))

    def _value_await(self, node, scope, depth, span):
        return Value("await", span, self.text(node),
                     children=(self.value(_first(node), scope, depth),))

    def _value_conditional_expression(self, node, scope, depth, span):
        named = node.named_children
        if len(named) < 3:
            return Value("unknown", span, self.text(node))
        consequence, test, alternative = (self.value(n, scope, depth) for n in named[:3])
        return Value("cond", span, self.text(node), children=(test, consequence, alternative))

    def _value_keyword_argument(self, node, scope, depth, span):
        return self.value(node.child_by_field_name("value"), scope, depth)

    # Functions and classes ---------------------------------------------------

    def _register_function(self, node: Node, parent: int) -> int:
        existing = self.function_by_node.get(node.id)
        if existing is not None:
            return existing
        index = len(self.facts.functions)
        name_node = node.child_by_field_name("name")
        name = name_node.text.decode("utf-8", "replace") if name_node is not None else ""
        kind = "lambda" if node.type == "lambda" else "function"
        function = Function(index, name, kind, self.span(node), parent=parent)
        function.is_async = any(child.type == "async" for child in node.children)
        parent_fn = self.facts.functions[parent]
        if parent_fn.context:
            function.context = parent_fn.context
        self.facts.functions.append(function)
        self.function_by_node[node.id] = index
        self._params(node, function)
        return index

    def _params(self, node: Node, function: Function) -> None:
        params = node.child_by_field_name("parameters")
        if params is None:
            return
        index = 0
        for param in params.named_children:
            kind = "positional"
            annotation = ""
            default = None
            target = param
            if param.type in ("typed_parameter", "typed_default_parameter"):
                type_node = param.child_by_field_name("type")
                annotation = node_text(type_node) if type_node is not None else ""
            if param.type in ("default_parameter", "typed_default_parameter"):
                value_node = param.child_by_field_name("value")
                default = self.value(value_node, function.index) if value_node else None
                target = param.child_by_field_name("name") or param
            elif param.type == "typed_parameter":
                target = next((c for c in param.named_children if c.type in (
                    "identifier", "list_splat_pattern", "dictionary_splat_pattern")), param)
            if target.type == "list_splat_pattern":
                kind = "rest"
                target = _first(target) or target
            elif target.type == "dictionary_splat_pattern":
                kind = "kwargs"
                target = _first(target) or target
            elif param.type in ("keyword_separator", "positional_separator"):
                continue
            name = target.text.decode("utf-8", "replace")
            function.params.append(Param(name, index, kind, annotation, default))
            index += 1

    def _walk_function(self, node: Node, ctx: _Context, decorators=(), loops=()) -> None:
        index = self._register_function(node, ctx.function)
        function = self.facts.functions[index]
        if ctx.class_name:
            function.class_name = ctx.class_name
            function.kind = "method"
        for decorator in decorators:
            inner = _first(decorator)
            if inner is not None:
                function.decorators.append(self.value(inner, ctx.function))
        self._classify_function(function, ctx)
        body = node.child_by_field_name("body")
        if body is None:
            return
        inner = _Context(index, loops=loops,
                         method_class=function.class_name or ctx.method_class)
        if node.type == "lambda":
            function.returns.append(self.value(body, index))
            self._walk(body, inner)
            return
        self._walk_children(body, inner)

    def _classify_function(self, function: Function, ctx: _Context) -> None:
        for decorator in function.decorators:
            target = decorator.callee if decorator.kind == "call" else decorator
            dotted = target.dotted if target is not None else None
            if not dotted:
                continue
            last = dotted.rsplit(".", 1)[-1]
            if last in ROUTE_DECORATORS and "." in dotted and decorator.kind == "call":
                args = decorator.args
                route = args[0].value if args and args[0].kind == "str" else ""
                if route.startswith("/") or last == "route":
                    framework = "fastapi" if "fastapi" in self.frameworks else "flask"
                    function.handler = Handler(framework, function.span, route=route,
                                               method=last.upper())
            elif last in ("api_view", "action") or dotted in ("require_POST", "require_GET",
                                                               "require_http_methods",
                                                               "csrf_exempt"):
                function.handler = function.handler or Handler("django", function.span)
            elif dotted in GRAPHQL_DECORATORS or self._ariadne_field(decorator, dotted):
                function.handler = function.handler or Handler("graphql", function.span)
            elif last in TASK_DECORATORS:
                function.context = "task"
            elif last in MEMO_DECORATORS:
                function.memoized = True
        if function.handler is None and self.is_views and function.params:
            first = function.params[0].name
            if ctx.class_name and function.name in VIEW_METHODS and len(function.params) > 1:
                function.handler = Handler("django", function.span, method=function.name.upper())
            elif not ctx.class_name and first == "request":
                function.handler = Handler("django", function.span)
        if function.handler is None and ctx.class_bases and VIEW_BASES.search(ctx.class_bases):
            if function.name in VIEW_METHODS:
                function.handler = Handler("django", function.span, method=function.name.upper())
        if function.handler is None and ctx.class_bases and _graphene_resolver(function, ctx):
            function.handler = Handler("graphql", function.span)
        if ctx.class_bases and "BaseCommand" in ctx.class_bases:
            function.context = "script"

    def _ariadne_field(self, decorator: Value, dotted: str) -> bool:
        """Return True for ``@mutation.field("name")`` where ``mutation = MutationType()``."""
        if decorator.kind != "call" or not dotted.endswith(".field") or dotted.count(".") != 1:
            return False
        owner = dotted.split(".")[0]
        for assign in self.facts.module.assigns.get(owner, []):
            value = assign.value
            callee = value.callee if value.kind == "call" else None
            name = callee.last_name if callee is not None else None
            if name in ("MutationType", "QueryType"):
                return True
            args = value.args if name == "ObjectType" else []
            if args and args[0].kind == "str" and args[0].value in ("Query", "Mutation"):
                return True
        return False

    def _walk_class(self, node: Node, ctx: _Context, decorators=()) -> None:
        name_node = node.child_by_field_name("name")
        name = name_node.text.decode("utf-8", "replace") if name_node is not None else ""
        index = len(self.facts.functions)
        body_fn = Function(index, name, "class_body", self.span(node), parent=ctx.function,
                           class_name=name, context=self.facts.functions[ctx.function].context)
        self.facts.functions.append(body_fn)
        fact = ClassFact(name, self.span(node), index, exported=ctx.function == 0)
        supers = node.child_by_field_name("superclasses")
        if supers is not None:
            fact.bases = [node_text(c) for c in supers.named_children]
        for decorator in decorators:
            inner = _first(decorator)
            if inner is not None:
                fact.decorators.append(self.value(inner, ctx.function))
        self.facts.classes.append(fact)
        body = node.child_by_field_name("body")
        if body is None:
            return
        inner = _Context(index, class_name=name, class_bases=" ".join(fact.bases))
        for statement in body.named_children:
            self._walk(statement, inner)
        for function in self.facts.functions[index + 1:]:
            if function.parent == index and function.kind == "method":
                fact.methods[function.name] = function.index
        fact.fields.update({k: v for k, v in body_fn.assigns.items() if "." not in k})

    # Statements ------------------------------------------------------------------

    def _walk_children(self, node: Node, ctx: _Context) -> None:
        for child in node.named_children:
            self._walk(child, ctx)

    def _walk(self, node: Node, ctx: _Context) -> None:
        kind = node.type
        handler = getattr(self, f"_stmt_{kind}", None)
        if handler is not None:
            handler(node, ctx)
            return
        if kind == "call":
            self._visit_call(node, ctx)
            return
        if kind == "lambda":
            self._walk_function(node, ctx)
            return
        if kind in COMPREHENSIONS:
            self._walk_comprehension(node, ctx)
            return
        if kind == "string":
            self._note_string(node, ctx)
        elif kind in ("attribute", "subscript"):
            self._note_member(node, ctx)
        elif kind == "comparison_operator":
            self._note_comparison(node, ctx)
        elif kind == "comment":
            return  # collect_comments records every comment in one pass
        self._walk_children(node, ctx)

    def _note_string(self, node: Node, ctx: _Context) -> None:
        if node.end_byte - node.start_byte < 80:
            value = self.value(node, ctx.function)
            if value.kind == "str":
                self.facts.functions[ctx.function].strings.add(value.value)

    def _note_member(self, node: Node, ctx: _Context) -> None:
        function = self.facts.functions[ctx.function]
        if node.type == "attribute":
            attr = node.child_by_field_name("attribute")
            if attr is not None:
                function.member_reads.add(attr.text.decode("utf-8", "replace"))
        else:
            key = node.child_by_field_name("subscript")
            obj = node.child_by_field_name("value")
            if key is not None and key.type == "string":
                value = self.value(key, ctx.function)
                if value.kind == "str":
                    function.member_reads.add(value.value)
                    if obj is not None and node_text(obj).endswith("environ"):
                        self.facts.env_names.add(value.value)

    def _note_comparison(self, node: Node, ctx: _Context) -> None:
        operators = [c.type for c in node.children if not c.is_named]
        if any(op in COMPARISON_OPS for op in operators):
            self.facts.functions[ctx.function].comparisons.append(self.value(node, ctx.function))

    def _stmt_function_definition(self, node: Node, ctx: _Context) -> None:
        self._walk_function(node, ctx)

    def _stmt_class_definition(self, node: Node, ctx: _Context) -> None:
        self._walk_class(node, ctx)

    def _stmt_decorated_definition(self, node: Node, ctx: _Context) -> None:
        decorators = [c for c in node.named_children if c.type == "decorator"]
        definition = node.child_by_field_name("definition")
        if definition is None:
            return
        if definition.type == "class_definition":
            self._walk_class(definition, ctx, decorators)
        else:
            self._walk_function(definition, ctx, decorators)

    def _stmt_return_statement(self, node: Node, ctx: _Context) -> None:
        inner = _first(node)
        if inner is not None:
            value = self.value(inner, ctx.function)
            function = self.facts.functions[ctx.function]
            function.returns.append(value)
            if value.kind == "array" and len(value.children) == 2:
                status = value.children[1]
                if status.kind == "num" and isinstance(status.value, int):
                    function.status_codes.append((status.value, self.span(node), ctx.in_default))
        self._walk_children(node, ctx)

    def _stmt_try_statement(self, node: Node, ctx: _Context) -> None:
        body = node.child_by_field_name("body")
        for child in node.named_children:
            self._walk(child, ctx.with_try() if child == body else ctx)

    def _stmt_if_statement(self, node: Node, ctx: _Context) -> None:
        condition = node.child_by_field_name("condition")
        guard = None
        if condition is not None:
            text = node_text(condition)
            match = re.match(r"^(?:not\s+([\w.]+)|([\w.]+)\s+is\s+None)$", text)
            if match:
                guard = match.group(1) or match.group(2)
            # ``if tenant not in clients:`` guards ``clients[tenant] = ...``.
            container = re.match(r"^.+?\s+not\s+in\s+([\w.]+)$", text)
            if container:
                guard = container.group(1)
            if re.match(r"^__name__\s*==\s*['\"]__main__['\"]$", text):
                # The module runs as a script; its functions may still serve
                # requests (a Flask app started here), so only module-level
                # code counts as script code.
                self.facts.module.context = self.facts.module.context or "script"
        consequence = node.child_by_field_name("consequence")
        for child in node.named_children:
            if child == consequence and guard:
                self._walk(child, ctx.with_guard(guard))
            elif child.type == "else_clause":
                self._walk_children(child, ctx.with_default())
            else:
                self._walk(child, ctx)

    def _stmt_match_statement(self, node: Node, ctx: _Context) -> None:
        self._walk_children(node, ctx)

    def _stmt_import_statement(self, node: Node, ctx: _Context) -> None:
        span = self.span(node)
        for child in node.named_children:
            if child.type == "dotted_name":
                dotted = child.text.decode()
                self._import(dotted.split(".")[0], dotted.split(".")[0], "*", span, ctx)
                if "." in dotted:
                    self._import(dotted, dotted, "*", span, ctx)
            elif child.type == "aliased_import":
                name = child.child_by_field_name("name")
                alias = child.child_by_field_name("alias")
                if name is not None and alias is not None:
                    self._import(alias.text.decode(), name.text.decode(), "*", span, ctx)

    def _stmt_import_from_statement(self, node: Node, ctx: _Context) -> None:
        span = self.span(node)
        module_node = node.child_by_field_name("module_name")
        source = module_node.text.decode() if module_node is not None else ""
        for child in node.named_children:
            if child == module_node:
                continue
            if child.type == "dotted_name":
                name = child.text.decode()
                self._import(name, source, name, span, ctx)
            elif child.type == "aliased_import":
                name = child.child_by_field_name("name")
                alias = child.child_by_field_name("alias")
                if name is not None and alias is not None:
                    self._import(alias.text.decode(), source, name.text.decode(), span, ctx)
            elif child.type == "wildcard_import":
                self._import("*", source, "*", span, ctx)

    def _import(self, local, source, imported, span, ctx) -> None:
        root = source.lstrip(".").split(".")[0]
        if root in ("flask", "fastapi", "django", "starlette", "rest_framework", "celery"):
            self.frameworks.add(root)
        self.facts.imports.append(Import(local, source, imported, span, ctx.function, "python"))

    def _stmt_expression_statement(self, node: Node, ctx: _Context) -> None:
        for child in node.named_children:
            if child.type == "assignment":
                self._assignment(child, ctx, None)
            elif child.type == "augmented_assignment":
                op = child.child_by_field_name("operator")
                self._assignment(child, ctx, op.type if op is not None else "+=")
            else:
                self._walk(child, ctx)

    def _stmt_assignment(self, node: Node, ctx: _Context) -> None:
        self._assignment(node, ctx, None)

    def _assignment(self, node: Node, ctx: _Context, augmented: str | None) -> None:
        left = node.child_by_field_name("left")
        right = node.child_by_field_name("right")
        if left is None or right is None:
            self._walk_children(node, ctx)
            return
        while right.type == "assignment":  # a = b = value
            right = right.child_by_field_name("right") or right
        function = self.facts.functions[ctx.function]
        value = self.value(right, ctx.function)
        span = self.span(node)
        guarded = any(g == node_text(left) for g in ctx.guards)
        if left.type == "identifier":
            name = left.text.decode()
            function.assigns.setdefault(name, []).append(
                Assign(name, value, span, augmented=augmented, guarded=guarded))
        elif left.type in ("pattern_list", "tuple_pattern", "list_pattern"):
            for position, element in enumerate(left.named_children):
                if element.type == "identifier":
                    name = element.text.decode()
                    item = value.children[position] if (
                        value.kind == "array" and position < len(value.children)
                    ) else Value("index", self.span(element), node_text(element),
                                 children=(value, Value("num", None, str(position), value=position)))
                    function.assigns.setdefault(name, []).append(Assign(name, item, span))
        elif left.type in ("attribute", "subscript"):
            target = self.value(left, ctx.function)
            obj = target.obj
            dotted = obj.dotted if obj is not None else None
            if target.kind == "index" and dotted:
                # ``clients[tenant] = CustomerIO(...)``: an item of a dict.
                function.assigns.setdefault(dotted, []).append(
                    Assign(dotted, value, span, key="[]", augmented=augmented,
                           guarded=dotted in ctx.guards))
            if target.kind == "member" and dotted:
                if dotted == "self" and ctx.method_class:
                    for fact in reversed(self.facts.classes):
                        if fact.name == ctx.method_class:
                            fact.fields.setdefault(target.value, []).append(
                                Assign(target.value, value, span, augmented=augmented,
                                       guarded=guarded))
                            break
                else:
                    function.assigns.setdefault(dotted, []).append(
                        Assign(dotted, value, span, key=target.value, augmented=augmented))
                    full = f"{dotted}.{target.value}"
                    function.assigns.setdefault(full, []).append(
                        Assign(full, value, span, augmented=augmented, guarded=guarded))
        self._walk(right, ctx)

    def _stmt_global_statement(self, node: Node, ctx: _Context) -> None:
        return

    def _stmt_for_statement(self, node: Node, ctx: _Context) -> None:
        right = node.child_by_field_name("right")
        iterable = self.value(right, ctx.function) if right is not None else None
        index = self._new_loop("for", node, ctx, iterable)
        body = node.child_by_field_name("body")
        left = node.child_by_field_name("left")
        if left is not None and left.type == "identifier" and iterable is not None:
            function = self.facts.functions[ctx.function]
            element = Value("index", self.span(left), node_text(left),
                            children=(iterable, Value("unknown", None, "*")))
            function.assigns.setdefault(left.text.decode(), []).append(
                Assign(left.text.decode(), element, self.span(left)))
        for child in node.named_children:
            if child == body or child.type == "else_clause":
                self._walk(child, ctx.with_loop(index))
            else:
                self._walk(child, ctx)

    def _stmt_while_statement(self, node: Node, ctx: _Context) -> None:
        index = self._new_loop("while", node, ctx, None)
        body = node.child_by_field_name("body")
        for child in node.named_children:
            self._walk(child, ctx.with_loop(index) if child == body else ctx)

    def _walk_comprehension(self, node: Node, ctx: _Context) -> None:
        clause = next((c for c in node.named_children if c.type == "for_in_clause"), None)
        iterable = None
        if clause is not None:
            right = clause.child_by_field_name("right")
            iterable = self.value(right, ctx.function) if right is not None else None
        index = self._new_loop("comprehension", node, ctx, iterable)
        self._walk_children(node, ctx.with_loop(index))

    def _new_loop(self, kind, node, ctx, iterable, call=-1) -> int:
        index = len(self.facts.loops)
        parent = ctx.loops[-1] if ctx.loops else -1
        loop = Loop(index, kind, self.span(node), ctx.function, iterable, parent, call=call)
        names: list[str] = []
        stack = [node]
        while stack and len(names) < 400:
            current = stack.pop()
            if current.type == "call":
                callee = current.child_by_field_name("function")
                if callee is not None:
                    names.append(node_text(callee, 80))
            stack.extend(current.named_children)
        loop.body_calls = names
        self.facts.loops.append(loop)
        return index

    # Calls -------------------------------------------------------------------------

    def _visit_call(self, node: Node, ctx: _Context) -> None:
        call_id = len(self.facts.calls)
        value = self.value(node, ctx.function)
        call = Call(call_id, value, self.span(node), ctx.function, ctx.loops, in_try=ctx.in_try)
        self.facts.calls.append(call)
        self.call_by_node[node.id] = call_id
        self._call_context(node, call)
        self._note_call(node, value, ctx)

        callee_node = node.child_by_field_name("function")
        if callee_node is not None:
            self._walk(callee_node, ctx)
        args_node = node.child_by_field_name("arguments")
        if args_node is None:
            return

        # Lambdas passed as arguments are walked as callbacks of this call;
        # those given to map() and the like run once per item, a loop.
        method = value.method
        position = 0
        for arg in args_node.named_children:
            target = arg
            if target.type == "keyword_argument":
                target = target.child_by_field_name("value") or target
            if target.type == "lambda":
                index = self._register_function(target, ctx.function)
                fn = self.facts.functions[index]
                fn.passed_to, fn.passed_at = call_id, position
                loops = ctx.loops
                if method in ITERATING_CALLS:
                    iterable = value.args[1] if len(value.args) > 1 else None
                    loop = self._new_loop("callback", target, ctx, iterable, call=call_id)
                    loops = (*ctx.loops, loop)
                self._walk_function(target, ctx, loops=loops)
            else:
                self._walk(arg, ctx)
            position += 1

    def _call_context(self, node: Node, call: Call) -> None:
        top = node
        parent = top.parent
        while parent is not None and parent.type == "parenthesized_expression":
            top, parent = parent, parent.parent
        if parent is None:
            return
        if parent.type == "await":
            call.awaited = True
            top, parent = parent, parent.parent
            if parent is None:
                return
        kind = parent.type
        if kind == "expression_statement":
            call.discarded = not call.awaited
        elif kind == "return_statement":
            call.returned = True
        elif kind == "lambda":
            call.returned = True
        elif kind in ("argument_list", "keyword_argument"):
            outer = parent.parent if kind == "argument_list" else parent.parent.parent
            if outer is not None and outer.id in self.call_by_node:
                call.parent_call = self.call_by_node[outer.id]
        elif kind == "assignment":
            left = parent.child_by_field_name("left")
            if left is not None and left.type == "identifier":
                call.assigned_to = left.text.decode()

    def _note_call(self, node: Node, value: Value, ctx: _Context) -> None:
        function = self.facts.functions[ctx.function]
        for arg in value.args[:1]:
            if arg.kind == "str" and looks_like_env_name(arg.value):
                self.facts.env_names.add(arg.value)
        callee = value.callee
        name = callee.last_name if callee is not None else None
        if name in STATUS_CALLS:
            code = None
            for key in ("status", "status_code", "code"):
                candidate = value.kwargs.get(key)
                if candidate is not None:
                    code = candidate
            if code is None and name in ("abort", "HTTPException") and value.args:
                code = value.args[0]
            if code is not None and code.kind == "num" and isinstance(code.value, int):
                function.status_codes.append((code.value, self.span(node), ctx.in_default))
        if name and name.startswith("HttpResponseBadRequest"):
            function.status_codes.append((400, self.span(node), ctx.in_default))

    def _module_exports(self) -> None:
        module = self.facts.module
        for name, assigns in module.assigns.items():
            if "." not in name and assigns:
                self.facts.exports[name] = Value("name", assigns[-1].span, name, value=name,
                                                 scope=0)
        for function in self.facts.functions:
            if function.parent == 0 and function.kind == "function" and function.name:
                function.exported = True
                self.facts.exports[function.name] = Value(
                    "func", function.span, function.name, value=function.index, scope=0)
        for fact in self.facts.classes:
            if fact.exported:
                self.facts.exports[fact.name] = Value("name", fact.span, fact.name,
                                                      value=fact.name, scope=0)
        for imported in self.facts.imports:
            if imported.function == 0 and imported.local and imported.local != "*":
                self.facts.exports.setdefault(
                    imported.local,
                    Value("name", imported.span, imported.local, value=imported.local, scope=0))


def _first(node: Node | None) -> Node | None:
    if node is None:
        return None
    return node.named_children[0] if node.named_children else None


def _graphene_resolver(function: Function, ctx: _Context) -> bool:
    """Return True for a Graphene mutation's ``mutate`` or an ``ObjectType``'s ``resolve_x``."""
    if function.name in GRAPHENE_MUTATE_METHODS and "Mutation" in ctx.class_bases:
        return True
    return function.name.startswith("resolve_") and "ObjectType" in ctx.class_bases


class _Context:
    __slots__ = ("function", "loops", "in_try", "class_name", "class_bases", "guards",
                 "in_default", "in_main", "method_class")

    def __init__(self, function, loops=(), in_try=False, class_name="", class_bases="",
                 guards=(), in_default=False, in_main=False, method_class=""):
        self.function = function
        self.loops = loops
        self.in_try = in_try
        self.class_name = class_name
        self.class_bases = class_bases
        self.guards = guards
        self.in_default = in_default
        self.in_main = in_main
        self.method_class = method_class

    def _copy(self, **changes) -> _Context:
        values = {name: getattr(self, name) for name in self.__slots__}
        values.update(changes)
        return _Context(**values)

    def with_loop(self, loop):
        return self._copy(loops=(*self.loops, loop))

    def with_try(self):
        return self._copy(in_try=True)

    def with_guard(self, name):
        return self._copy(guards=(*self.guards, name))

    def with_default(self):
        return self._copy(in_default=True)

    def with_main(self):
        return self._copy(in_main=True)


def extract(source: bytes, path: str) -> FileFacts:
    return PyExtractor(source, path).extract()
