"""The Jinja2 environment: autoescaping, strict undefined, relative-URL helpers."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import markupsafe
from markupsafe import Markup, escape

from site_builder import urls
from site_builder.errors import SiteError
from site_builder.i18n import format_date
from site_builder.views import mark_cjk

if TYPE_CHECKING:
    import jinja2


def make_env(templates_dir: Path) -> jinja2.Environment:
    import jinja2  # imported when a build renders (a no-change build stops before)

    env = _environment_class()(
        loader=_loader_class()(str(templates_dir)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,  # one environment per build: no need to stat each template at every include
    )
    env.filters["date"] = format_date
    env.filters["cjk"] = mark_chinese
    return env


@functools.cache
def _environment_class() -> type[jinja2.Environment]:
    import jinja2

    class Environment(jinja2.Environment):
        """Page contexts are plain dicts: ``a.b`` looks up the key first; output is escaped without Markup objects.

        Jinja's own order (attribute first, then item) raises and catches an
        AttributeError for every ``a.b`` on a dict, millions of times a build.
        A key named like a dict method (``items``) wins over the method.
        """

        code_generator_class = _code_generator_class()
        context_class = _context_class()
        output_text = staticmethod(output_text)
        output_safe = staticmethod(output_safe)

        def getattr(self, obj: Any, attribute: str) -> Any:
            if type(obj) is dict:
                try:
                    return obj[attribute]
                except KeyError:
                    pass
            return super().getattr(obj, attribute)

    return Environment


#: Compiled templates carry this with their source's checksum (see site_builder.deps): code compiled by
#: another version of the code generator below is compiled again.
COMPILER = "output_text-2"

_escape_inner: Callable[[str], str] | None = getattr(markupsafe, "_escape_inner", None)  # C, MarkupSafe 3


def output_text(value: Any) -> str:
    """What ``markupsafe.escape(value)`` holds, as a plain string.

    Compiled templates write every ``{{ ... }}`` of autoescaped output with this.
    Jinja's own ``escape`` makes a Markup object for each (about 200 an article
    page), only to join them into one string at once: that was a third of the
    time spent in templates.
    """
    if type(value) is str and _escape_inner is not None:
        return _escape_inner(value)
    return str(escape(value))


def output_safe(value: Any) -> str:
    """What ``{{ value | safe }}`` writes (``markupsafe.Markup(value)``), without the Markup object for a string.

    A section's HTML goes on each of its pages this way; Jinja would copy it into a
    Markup object, escape that (another copy) and join it into the page.
    """
    if type(value) is str:
        return value
    return str(Markup(value))


class PageLinks:
    """``url`` in a page's templates: ``url(target)`` is the link from the page to output path ``target``."""

    __slots__ = ("link",)

    def __init__(self, link: Callable[[str], str]) -> None:
        self.link = link

    def __call__(self, target: str) -> str:
        return self.link(target)


_JINJA_KEYWORDS = frozenset({"_block_vars", "_loop_vars"})  # what Jinja passes to every call it compiles


@functools.cache
def _context_class() -> type[jinja2.runtime.Context]:
    import jinja2.runtime

    class Context(jinja2.runtime.Context):
        """Jinja's template context; ``url(target)`` is called straight away.

        Jinja's ``call`` looks at every callable for the markers of functions that take the context
        (an entity page calls ``url`` 250 times): ``url`` takes none.
        """

        def call(self, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
            if type(obj) is PageLinks and len(args) == 1 and kwargs.keys() <= _JINJA_KEYWORDS:
                return obj.link(args[0])
            return super().call(obj, *args, **kwargs)

    return Context


@functools.cache
def _code_generator_class() -> type[jinja2.compiler.CodeGenerator]:
    import jinja2.compiler

    class CodeGenerator(jinja2.compiler.CodeGenerator):
        """Jinja's code generator; autoescaped output goes through :func:`output_text` instead of ``escape``.

        Output is the only place the value is used: it is joined into the page, or into a block, macro or
        filter's buffer that Jinja marks safe as a whole. Where autoescaping can change while rendering
        (``{% autoescape %}`` blocks), and where it is off, Jinja's own code is kept.
        """

        _direct_safe: Any = None  # the ``safe`` filter of the output being written, skipped (see below)

        def _output_child_pre(self, node: Any, frame: Any, finalize: Any) -> None:
            if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
                super()._output_child_pre(node, frame, finalize)
                return
            if finalize.src is None and self._is_plain_safe(node):
                # ``{{ x | safe }}``: written as output_safe(x), the filter's Markup never made
                self._direct_safe = node
                self.write("environment.output_safe(")
                return
            self.write("environment.output_text(")
            if finalize.src is not None:
                self.write(finalize.src)

        def _is_plain_safe(self, node: Any) -> bool:
            """``node`` is Jinja's own ``safe`` filter applied to an expression, with no arguments."""
            return (isinstance(node, jinja2.nodes.Filter) and node.name == "safe" and node.node is not None
                    and not node.args and not node.kwargs and node.dyn_args is None and node.dyn_kwargs is None
                    and not self.environment.is_async
                    and self.environment.filters.get("safe") is jinja2.filters.do_mark_safe)

        def visit_Filter(self, node: Any, frame: Any) -> None:
            if node is self._direct_safe:
                self._direct_safe = None
                self.visit(node.node, frame)
                return
            super().visit_Filter(node, frame)

    return CodeGenerator


@functools.cache
def _loader_class() -> type[jinja2.FileSystemLoader]:
    import jinja2

    class Loader(jinja2.FileSystemLoader):
        """Jinja's file loader; a template that is not UTF-8 is a SiteError naming its file and line."""

        def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
            try:
                return super().get_source(environment, template)
            except UnicodeDecodeError as exc:
                line = 0
                for folder in self.searchpath:
                    try:
                        line = (Path(folder) / template).read_bytes()[: exc.start].count(b"\n") + 1
                        break
                    except OSError:
                        continue
                raise SiteError(f"not valid UTF-8 (byte {exc.object[exc.start]:#04x}); save the template as UTF-8",
                                f"templates/{template}", line) from None

    return Loader


def mark_chinese(value: Any, lang: str) -> Markup:
    """``value`` (text, or Markup) for a page in ``lang``: on English pages, runs of Chinese marked ``lang="zh"``."""
    html = value if isinstance(value, Markup) else escape(value)
    return Markup(mark_cjk(str(html))) if lang == "en" else Markup(html)


def _rooted(root_path: str, target: str) -> str:
    """The root-relative link to output path ``target`` (may carry #anchor) on a site served at ``root_path``."""
    t, _, anchor = target.partition("#")
    return root_path + urls.page_url(t) + (f"#{anchor}" if anchor else "")


def render_page(env: jinja2.Environment, template: str, path: str, context: dict[str, Any],
                root_path: str | None = None) -> bytes:
    """Render one output page; ``url(target)`` in templates links relative to ``path``.

    Pages served at arbitrary URLs (the 404 page) pass ``root_path`` (the site's
    URL path, e.g. ``/wenling/``) and get root-relative links instead.
    """
    import jinja2

    url = PageLinks(urls.relative_from(path) if root_path is None else functools.partial(_rooted, root_path))

    try:
        tmpl = env.get_template(template)
        html = tmpl.render(context, url=url, page_path=path)
    except SiteError:
        raise
    except jinja2.TemplateSyntaxError as exc:
        raise SiteError(f"template syntax error: {exc.message}", f"templates/{exc.name or template}", exc.lineno or 0) from None
    except Exception as exc:
        where = _template_frame(exc, env)
        if isinstance(exc, jinja2.TemplateNotFound):
            raise SiteError(f"template not found: {exc.name}", *(where or (f"templates/{template}", 0))) from None
        if isinstance(exc, jinja2.TemplateError):
            raise SiteError(f"template error while rendering {path}: {exc.message}",
                            *(where or (f"templates/{template}", 0))) from None
        if where is None:
            raise  # not raised by a template: a bug of ours, with its traceback
        # raised by a filter, a test or a method a template called: the template's line, and with -v the traceback
        raise SiteError(f"template error while rendering {path}: {type(exc).__name__}: {exc}", *where) from exc
    return html.encode("utf-8")


def _template_frame(exc: BaseException, env: jinja2.Environment) -> tuple[str, int] | None:
    """``(templates/<name>, line)`` of the innermost template the error went through, or None.

    Jinja rewrites a rendering error's traceback so that template code shows as
    frames of the template files, at their lines: an error in an included
    template is reported where it is, not at the page's top template.
    """
    folders = [Path(f).resolve() for f in getattr(env.loader, "searchpath", ())]
    found: tuple[str, int] | None = None
    tb = exc.__traceback__
    while tb is not None:
        file = Path(tb.tb_frame.f_code.co_filename).resolve()
        for folder in folders:
            if file.is_relative_to(folder):
                found = (f"templates/{file.relative_to(folder).as_posix()}", tb.tb_lineno)
                break
        tb = tb.tb_next
    return found
