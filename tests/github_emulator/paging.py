"""GitHub's page-number pagination: ``per_page`` (default 30, at most 100), ``page``, ``Link``."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from .server import API_PREFIX, ApiError, Request

DEFAULT_PER_PAGE = 30
MAX_PER_PAGE = 100


def _int_arg(request: Request, name: str, default: int) -> int:
    text = request.arg(name)
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        raise ApiError(422, f"Invalid value for {name}") from None


def paginate(
    root: str, request: Request, items: list[Any], default: int = DEFAULT_PER_PAGE
) -> tuple[list[Any], dict[str, str]]:
    """One page of ``items`` and the ``Link`` header pointing at the others."""
    per_page = min(max(_int_arg(request, "per_page", default), 1), MAX_PER_PAGE)
    page = max(_int_arg(request, "page", 1), 1)
    last = max((len(items) + per_page - 1) // per_page, 1)
    chunk = items[(page - 1) * per_page : page * per_page]
    links = []
    if page < last:
        links += [(page + 1, "next"), (last, "last")]
    if page > 1:
        links = [(page - 1, "prev"), *links, (1, "first")]
    if not links:
        return chunk, {}
    header = ", ".join(f'<{_page_url(root, request, n)}>; rel="{rel}"' for n, rel in links)
    return chunk, {"Link": header}


def _page_url(root: str, request: Request, page: int) -> str:
    query = {k: v[-1] for k, v in request.query.items() if k != "page"}
    query["page"] = str(page)
    return f"{root}{API_PREFIX}{request.path}?{urlencode(query)}"
